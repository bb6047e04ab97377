import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import {
  CompactEncrypt,
  calculateJwkThumbprint,
  compactDecrypt,
  importJWK,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  type CryptoKey,
  type JWK,
} from 'jose';
import mqtt, { type MqttClient } from 'mqtt';
import { createHttpProviderClient, type BridgeStore } from '@onboard/bridge-core';
import { PATHS } from '@onboard/ciba-core';
import { MemoryKeyStore, connect, type DeviceClient } from '@onboard/device-client';
import { createHttpClient, silentLogger } from '@onboard/platform';
import {
  SEALED_PAYLOAD_ALG,
  SEALED_PAYLOAD_CONTENT_TYPE,
  SEALED_PAYLOAD_ENC,
  mustBeSealed,
  replySubscription,
  requestTopic,
  signConnectCredential,
  type DeviceMessageType,
} from '@onboard/mqtt-contract';
import { openBridgeStores } from '@onboard/bridge-store';
import { parseBridgeConfig } from '../../apps/mqtt-bridge/src/config/bridge-config';
import { startBridge, type RunningBridge } from '../../apps/mqtt-bridge/src/create-bridge';
import { BridgeHttpServer } from '../../apps/mqtt-bridge/src/infra/http-server';
import { NOTIFICATION_PATH } from '../../apps/mqtt-bridge/src/notify/notification.route';
import { loadPayloadKeyFile } from '../../apps/mqtt-bridge/src/keys/payload-key-file';
import { get, sendJson } from './http';
import { clientAssertion, generateTestKey, requestObject, type TestKey } from './jose-helpers';
import type { TestProvider } from './provider';

/** The bridge's audience in tests (the same as the bridge app's own test harness). */
export const BRIDGE_AUDIENCE = 'urn:onboard:mqtt-bridge:test';
const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

/** A head-unit's two key pairs (issue 3): ES256 signing key and X25519 encryption key. */
export interface TestHeadUnit {
  deviceId: string;
  sig: TestKey;
  enc: { privateKey: CryptoKey; publicJwk: JWK };
  /** RFC 7638 thumbprint of the signing key: the `dpop_jkt` of its requests. */
  jkt: string;
}

export async function createHeadUnit(deviceId = `hu-${randomBytes(5).toString('hex')}`): Promise<TestHeadUnit> {
  const sig = await generateTestKey('ES256');
  const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
  const encJwk = await exportJWK(publicKey);
  const publicJwk = { ...encJwk, kid: await calculateJwkThumbprint(encJwk), use: 'enc', alg: 'ECDH-ES+A256KW' };
  const { kid: _k, alg: _a, use: _u, ...sigJwk } = sig.publicJwk;
  return { deviceId, sig, enc: { privateKey, publicJwk }, jkt: await calculateJwkThumbprint(sigJwk) };
}

type RunningBridgeLimits = ReturnType<typeof parseBridgeConfig>['limits'];

/** A bridge on ephemeral ports with a SQLite store, relaying to `provider`. */
export interface TestBridge {
  bridge: RunningBridge;
  store: BridgeStore;
  http: BridgeHttpServer;
  mqttUrl: string;
  notificationEndpoint: string;
  httpPort: number;
  /** The bridge's public encryption key: devices seal verification and refresh payloads to it. */
  encryptionKey: JWK;
  close(): Promise<void>;
}

/**
 * A payload sealed to the bridge as docs/protocol.md §5a describes, made with jose alone from the
 * raw JSON text (so tests can seal odd payloads too).
 */
export async function sealPayload(json: string, bridgeKey: JWK): Promise<string> {
  const key = await importJWK({ ...bridgeKey, alg: SEALED_PAYLOAD_ALG }, SEALED_PAYLOAD_ALG);
  return new CompactEncrypt(new TextEncoder().encode(json))
    .setProtectedHeader({
      alg: SEALED_PAYLOAD_ALG,
      enc: SEALED_PAYLOAD_ENC,
      cty: SEALED_PAYLOAD_CONTENT_TYPE,
      kid: bridgeKey.kid,
    })
    .encrypt(key);
}

/** What startBridge needs to relay for `provider`: the store's device directory, silent logs, plain HTTP. */
export function relayDependencies(provider: TestProvider, store: BridgeStore, http: BridgeHttpServer) {
  return {
    directory: store.devices,
    logger: silentLogger,
    store,
    http,
    provider: createHttpProviderClient({
      backchannelEndpoint: provider.at(PATHS.backchannel),
      tokenEndpoint: provider.at(PATHS.token),
      http: createHttpClient(),
    }),
  };
}

/**
 * Starts the bridge against an in-process provider. `databaseFile` and `httpPort` let a test
 * restart it on the same store and notification URL.
 */
export async function startRelayBridge(
  provider: TestProvider,
  options: {
    dir: string;
    databaseFile?: string;
    httpPort?: number;
    limits?: Partial<RunningBridgeLimits>;
  } = { dir: '.' },
): Promise<TestBridge> {
  const databaseFile = options.databaseFile ?? join(options.dir, 'bridge.sqlite');
  const store = await openBridgeStores({ databaseUrl: `sqlite:${databaseFile}` });
  const http = new BridgeHttpServer({ logger: silentLogger });
  const config = parseBridgeConfig({ BRIDGE_MQTT_PORT: '0', BRIDGE_HOST: '127.0.0.1', BRIDGE_AUDIENCE });
  // kept beside the database, so a restarted bridge opens what devices sealed before
  const payloadKeys = await loadPayloadKeyFile(`${databaseFile}.encryption-keys.json`, silentLogger);
  const bridge = await startBridge(
    {
      ...config,
      limits: { ...config.limits, connectBurstPerClientId: 1000, messageBurstPerDevice: 1000, ...options.limits },
    },
    { ...relayDependencies(provider, store, http), payloadKeys },
  );
  const httpPort = await http.listen(options.httpPort ?? 0, '127.0.0.1');
  return {
    bridge,
    store,
    http,
    httpPort,
    mqttUrl: `mqtt://127.0.0.1:${bridge.addresses.tcp}`,
    notificationEndpoint: `http://127.0.0.1:${httpPort}${NOTIFICATION_PATH}`,
    encryptionKey: payloadKeys.current,
    close: async () => {
      await bridge.close();
      await http.close();
      await store.close();
    },
  };
}

/** Registers the head-unit at the bridge (its registry) and at the provider (a push-mode CIBA client). */
export async function registerHeadUnit(
  provider: TestProvider,
  bridge: TestBridge,
  unit: TestHeadUnit,
  /** Extra client metadata, e.g. `onboard_vehicle` (what the owner app shows of the car). */
  metadata: Record<string, unknown> = {},
): Promise<void> {
  const keys = [unit.sig.publicJwk, unit.enc.publicJwk];
  await bridge.store.devices.save({
    deviceId: unit.deviceId,
    publicJwks: keys,
    status: 'active',
    createdAt: Date.now(),
    updatedAt: Date.now(),
  });
  const res = await sendJson(
    'POST',
    provider.at(`${PATHS.admin}/clients`),
    {
      client_id: unit.deviceId,
      grant_types: [CIBA_GRANT, 'refresh_token'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys },
      backchannel_token_delivery_mode: 'push',
      backchannel_client_notification_endpoint: bridge.notificationEndpoint,
      backchannel_authentication_request_signing_alg: 'ES256',
      dpop_bound_access_tokens: true,
      token_response_encryption_alg: 'ECDH-ES+A256KW',
      token_response_encryption_enc: 'A256GCM',
      ...metadata,
    },
    { authorization: `Bearer ${provider.adminToken}` },
  );
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`device registration failed: ${res.status} ${res.text}`);
}

/** Options of {@link connectDeviceClient}: extra client metadata, and connect options to override. */
export interface TestDeviceClientOptions extends Partial<Omit<Parameters<typeof connect>[0], 'keys'>> {
  /** Extra client metadata at the provider, e.g. `onboard_vehicle`. */
  metadata?: Record<string, unknown>;
}

/**
 * A head-unit on the device client library, as a head-unit maker embeds it: new keys in a
 * MemoryKeyStore, registered at the bridge and the provider, connected to the bridge's broker.
 */
export async function connectDeviceClient(
  provider: TestProvider,
  bridge: TestBridge,
  { metadata, ...options }: TestDeviceClientOptions = {},
): Promise<{ client: DeviceClient; keys: MemoryKeyStore; deviceId: string }> {
  const deviceId = options.deviceId ?? `hu-${randomBytes(5).toString('hex')}`;
  const keys = await MemoryKeyStore.generate();
  const [sig, enc] = (await keys.getPublicJwks()).keys;
  // registerHeadUnit reads only the public JWKs of the unit it registers
  await registerHeadUnit(
    provider,
    bridge,
    { deviceId, sig: { publicJwk: sig }, enc: { publicJwk: enc } } as unknown as TestHeadUnit,
    metadata,
  );
  const client = await connect({
    url: bridge.mqttUrl,
    audience: BRIDGE_AUDIENCE,
    bridgeEncryptionKey: bridge.encryptionKey,
    providerIssuer: provider.issuer,
    providerJwksUri: provider.discovery.jwks_uri,
    tokenEndpoint: provider.discovery.token_endpoint,
    ...options,
    deviceId,
    keys,
  });
  return { client, keys, deviceId };
}

/** A message the head-unit received. */
export interface Received {
  topic: string;
  type: string;
  json: Record<string, any>;
}

/**
 * A head-unit written with plain mqtt.js, following docs/protocol.md: connect credential,
 * Clean Session 0, one QoS 1 subscription, verification requests built from a signed request
 * object and a client assertion.
 */
export class MqttHeadUnit {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];
  client: MqttClient | undefined;

  constructor(
    readonly unit: TestHeadUnit,
    private readonly provider: TestProvider,
    /** The bridge's encryption key; verification and refresh payloads are sealed to it. */
    readonly bridgeKey?: JWK,
  ) {}

  async connect(url: string, subscribe = true): Promise<void> {
    const password = await signConnectCredential({
      deviceId: this.unit.deviceId,
      privateKey: this.unit.sig.privateKey,
      alg: 'ES256',
      kid: this.unit.sig.kid,
      audience: BRIDGE_AUDIENCE,
      jti: randomUUID(),
      now: Date.now(),
    });
    const client = await mqtt.connectAsync(url, {
      protocolVersion: 4,
      clientId: this.unit.deviceId,
      username: this.unit.deviceId,
      password,
      clean: false,
      reconnectPeriod: 0,
      connectTimeout: 5000,
    });
    client.on('message', (topic, payload) => {
      this.received.push({
        topic,
        type: topic.split('/').pop() ?? '',
        json: JSON.parse(payload.toString()) as Record<string, any>,
      });
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    this.client = client;
    if (subscribe) await client.subscribeAsync(replySubscription(this.unit.deviceId), { qos: 1 });
  }

  async disconnect(): Promise<void> {
    await this.client?.endAsync();
    this.client = undefined;
  }

  /** The head-unit as the bridge app's test harness describes a device (for its connection helpers). */
  get harnessDevice(): { deviceId: string; privateKey: CryptoKey; publicJwk: JWK; alg: 'ES256' } {
    return {
      deviceId: this.unit.deviceId,
      privateKey: this.unit.sig.privateKey,
      publicJwk: this.unit.sig.publicJwk,
      alg: 'ES256',
    };
  }

  /** Builds and publishes a verification request; returns its request id and binding message. */
  async requestVerification(
    loginHint: string,
    options: { requestId?: string; bindingMessage?: string } = {},
  ): Promise<{ requestId: string; bindingMessage: string; payload: string }> {
    const requestId = options.requestId ?? randomUUID();
    const bindingMessage = options.bindingMessage ?? `BM-${randomBytes(4).toString('hex').toUpperCase()}`;
    const payload = JSON.stringify({
      request_id: requestId,
      request: await requestObject(this.unit.sig, this.unit.deviceId, this.provider.issuer, {
        scope: 'openid',
        login_hint: loginHint,
        binding_message: bindingMessage,
        client_notification_token: randomBytes(32).toString('base64url'),
        dpop_jkt: this.unit.jkt,
      }),
      client_assertion: await clientAssertion(this.unit.sig, this.unit.deviceId, this.provider.issuer),
    });
    await this.publish('verification', payload);
    return { requestId, bindingMessage, payload };
  }

  /** Publishes `payload` (JSON text), sealed to the bridge when docs/protocol.md §5a says so, unless `clear`. */
  async publish(type: DeviceMessageType, payload: string, options: { clear?: boolean } = {}): Promise<void> {
    if (!this.client) throw new Error('not connected');
    const sealed = !options.clear && mustBeSealed(type);
    if (sealed && !this.bridgeKey) throw new Error('the head-unit has no bridge key to seal with');
    const wire = sealed ? await sealPayload(payload, this.bridgeKey!) : payload;
    await this.client.publishAsync(requestTopic(this.unit.deviceId, type), wire, { qos: 1 });
  }

  /** Resolves with the first received message of `type` for `requestId` (waits up to `timeoutMs`). */
  async waitFor(type: string, requestId: string, timeoutMs = 5000): Promise<Received> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find((m) => m.type === type && m.json.request_id === requestId);
      if (found) return found;
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no ${type} for ${requestId} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  count(type: string, requestId: string): number {
    return this.received.filter((m) => m.type === type && m.json.request_id === requestId).length;
  }

  /** Decrypts a result's token response with the device's encryption key. */
  async decrypt(encryptedTokenResponse: string): Promise<Record<string, any>> {
    const { plaintext } = await compactDecrypt(encryptedTokenResponse, this.unit.enc.privateKey);
    return JSON.parse(new TextDecoder().decode(plaintext)) as Record<string, any>;
  }

  /** Verifies the ID token as docs/protocol.md §6.6 requires; returns its claims. */
  async verifyIdToken(idToken: string, authReqId: string): Promise<Record<string, unknown>> {
    const jwks = (await get(this.provider.at(PATHS.jwks))).json as { keys: JWK[] };
    const { payload } = await jwtVerify(idToken, createLocalJWKSet(jwks), {
      issuer: this.provider.issuer,
      audience: this.unit.deviceId,
    });
    if (payload['urn:openid:params:jwt:claim:auth_req_id'] !== authReqId) throw new Error('auth_req_id claim mismatch');
    return payload;
  }
}

/** Polls `condition` every 10 ms until it holds or `timeoutMs` passes. */
/** A fresh head-unit, registered with the bridge (and so at the provider) and connected over MQTT. */
export async function connectHeadUnit(provider: TestProvider, bridge: TestBridge): Promise<MqttHeadUnit> {
  const unit = await createHeadUnit();
  await registerHeadUnit(provider, bridge, unit);
  const device = new MqttHeadUnit(unit, provider, bridge.encryptionKey);
  await device.connect(bridge.mqttUrl);
  return device;
}

export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
