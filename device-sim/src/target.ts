import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { startAllInOne } from '../../apps/all-in-one/src/start-all-in-one';
import { getJson } from './http';

/** Where the simulator sends its cars and owners, and the secrets it administers them with. */
export interface Target {
  /** `embedded`: started by the simulator on temporary files; `remote`: a running deployment. */
  kind: 'embedded' | 'remote';
  providerUrl: string;
  /** The provider's admin API (the provider's URL unless it runs on an `ADMIN_PORT` of its own). */
  providerAdminUrl: string;
  bridgeAdminUrl: string;
  mqttUrl: string;
  providerAdminToken?: string;
  bridgeAdminToken?: string;
  close(): Promise<void>;
}

/** What the cars need to know about the deployment, fetched once for the whole fleet. */
export interface TargetKeys {
  issuer: string;
  tokenEndpoint: string;
  providerJwks: { keys: JWK[] };
  bridgeEncryptionKey: JWK;
}

/** Options for a running deployment (`--provider-url`, `--bridge-admin-url`, `--mqtt-url`). */
export interface RemoteTargetOptions {
  providerUrl: string;
  providerAdminUrl?: string;
  bridgeAdminUrl: string;
  mqttUrl: string;
  providerAdminToken?: string;
  bridgeAdminToken?: string;
}

export function remoteTarget(options: RemoteTargetOptions): Target {
  const trim = (url: string) => url.replace(/\/+$/, '');
  return {
    kind: 'remote',
    providerUrl: trim(options.providerUrl),
    providerAdminUrl: trim(options.providerAdminUrl ?? options.providerUrl),
    bridgeAdminUrl: trim(options.bridgeAdminUrl),
    mqttUrl: options.mqttUrl,
    providerAdminToken: options.providerAdminToken,
    bridgeAdminToken: options.bridgeAdminToken,
    close: async () => {},
  };
}

/**
 * The environment of the embedded Onboard: the all-in-one start (`npm start`) on free ports,
 * temporary SQLite files and fresh admin tokens, with the limits meant for many users at one
 * address relaxed (every simulated car and owner comes from 127.0.0.1: the per-address
 * connect rate and the per-owner limits would otherwise measure the simulator, not Onboard).
 */
export function embeddedEnvironment(dir: string): Record<string, string> {
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'onboard.sqlite')}`,
    BRIDGE_DATABASE_URL: `sqlite:${join(dir, 'bridge.sqlite')}`,
    BRIDGE_ENCRYPTION_KEY_FILE: join(dir, 'bridge-encryption-keys.json'),
    BRIDGE_MQTT_PORT: '0',
    BRIDGE_HOST: '127.0.0.1',
    BRIDGE_HTTP_PORT: '0',
    LOG_LEVEL: 'silent',
    ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    BRIDGE_ADMIN_TOKEN: randomBytes(24).toString('base64url'),
    OWNER_PENDING_LIMIT: '100000',
    CLIENT_OWNER_REQUEST_LIMIT: '100000',
    AUTH_FAILURES_PER_SOURCE: '100000',
    PASSKEY_SOURCE_LIMIT: '100000',
    PASSKEY_OWNER_LIMIT: '100000',
    BRIDGE_CONNECT_RATE_PER_IP: '1000000',
    BRIDGE_CONNECT_BURST_PER_IP: '1000000',
    BRIDGE_PROVIDER_CONCURRENCY: '16',
  };
}

/** Starts Onboard in this process, as `npm start` does, and removes its files when closed. */
export async function startEmbeddedTarget(extraEnv: Record<string, string> = {}): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'onboard-device-sim-'));
  const env = { ...embeddedEnvironment(dir), ...extraEnv };
  let all;
  try {
    all = await startAllInOne(env, { write: () => {} });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const providerUrl = all.provider.url.replace(/\/+$/, '');
  return {
    kind: 'embedded',
    providerUrl,
    providerAdminUrl: (all.provider.adminUrl ?? providerUrl).replace(/\/+$/, ''),
    bridgeAdminUrl: (all.bridge.adminUrl ?? all.bridge.httpUrl).replace(/\/+$/, ''),
    mqttUrl: `mqtt://127.0.0.1:${all.bridge.bridge.addresses.tcp}`,
    providerAdminToken: all.tokens.provider,
    bridgeAdminToken: all.tokens.bridge,
    close: async () => {
      await all.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Discovery, the provider's JWKS and the bridge's sealing key (`/.well-known/jwks.json`). */
export async function fetchTargetKeys(target: Target): Promise<TargetKeys> {
  const discovery = await getJson<{ issuer: string; jwks_uri: string; token_endpoint: string }>(
    `${target.providerUrl}/.well-known/openid-configuration`,
  );
  const providerJwks = await getJson<{ keys: JWK[] }>(discovery.jwks_uri);
  const bridgeJwks = await getJson<{ keys: JWK[] }>(`${target.bridgeAdminUrl}/.well-known/jwks.json`);
  const bridgeEncryptionKey = bridgeJwks.keys.find((key) => key.use === 'enc') ?? bridgeJwks.keys[0];
  if (!bridgeEncryptionKey) throw new Error(`${target.bridgeAdminUrl}/.well-known/jwks.json holds no encryption key`);
  return { issuer: discovery.issuer, tokenEndpoint: discovery.token_endpoint, providerJwks, bridgeEncryptionKey };
}
