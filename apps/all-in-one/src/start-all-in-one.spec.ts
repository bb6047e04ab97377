import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import mqtt from 'mqtt';
import { signConnectCredential } from '@onboard/mqtt-contract';
import { startAllInOne, type AllInOne } from './start-all-in-one';

/** CONNACK return code of a connection attempt, or 0 when accepted. */
async function connack(url: string, options: mqtt.IClientOptions): Promise<number> {
  const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000, ...options });
  const code = await new Promise<number>((resolve) => {
    client.once('connect', () => resolve(0));
    client.once('error', (err: Error & { code?: unknown }) => resolve(typeof err.code === 'number' ? err.code : -1));
  });
  await client.endAsync(true);
  return code;
}

describe('all-in-one start', () => {
  let all: AllInOne;
  let banner = '';
  beforeAll(async () => {
    all = await startAllInOne(
      {
        PORT: '0',
        DATABASE_URL: 'sqlite::memory:',
        BRIDGE_DATABASE_URL: 'sqlite::memory:',
        BRIDGE_MQTT_PORT: '0',
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_HTTP_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      { write: (text) => void (banner += text) },
    );
  });
  afterAll(() => all.close());

  it('prints generated admin tokens once in the banner, saying they are not kept with an in-memory database', () => {
    expect(banner).toContain('shown once and not kept, the database being in memory');
    expect(banner).toContain(`ADMIN_TOKEN=${all.tokens.provider}`);
    expect(banner).toContain(`BRIDGE_ADMIN_TOKEN=${all.tokens.bridge}`);
    expect(all.tokens.provider).not.toBe(all.tokens.bridge);
  });

  it('serves discovery and the bridge health, and refuses an unknown device at CONNECT', async () => {
    const discovery = await fetch(`${all.provider.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect((await fetch(`${all.bridge.httpUrl}/health`)).status).toBe(200);
    const url = `mqtt://127.0.0.1:${all.bridge.bridge.addresses.tcp}`;
    expect(await connack(url, { clientId: 'hu-unknown', username: 'hu-unknown', password: 'x' })).toBe(4);
  });

  it('registers a device through the bridge admin API; it then connects, and is refused once disabled', async () => {
    const deviceId = `hu-${randomUUID().slice(0, 8)}`;
    const sig = await generateKeyPair('ES256');
    const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
    const jwks = {
      keys: [
        { ...(await exportJWK(sig.publicKey)), use: 'sig', alg: 'ES256' },
        { ...(await exportJWK(enc.publicKey)), use: 'enc', alg: 'ECDH-ES+A256KW' },
      ],
    };
    const admin = (path: string, body?: object) =>
      fetch(`${all.bridge.httpUrl}/admin/v1/devices${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${all.tokens.bridge}`, 'content-type': 'application/json' },
        body: body && JSON.stringify(body),
      });
    expect((await admin('', { device_id: deviceId, jwks })).status).toBe(201);
    const credential = () =>
      signConnectCredential({
        deviceId,
        privateKey: sig.privateKey,
        alg: 'ES256',
        audience: 'urn:onboard:mqtt-bridge',
        jti: randomUUID(),
        now: Date.now(),
      });
    const url = `mqtt://127.0.0.1:${all.bridge.bridge.addresses.tcp}`;
    expect(await connack(url, { clientId: deviceId, username: deviceId, password: await credential() })).toBe(0);
    expect((await admin(`/${deviceId}/disable`)).status).toBe(200);
    expect(await connack(url, { clientId: deviceId, username: deviceId, password: await credential() })).toBe(5);
  });
});

describe('all-in-one start with its data on disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'onboard-all-in-one-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function start(): Promise<{ banner: string; tokens: AllInOne['tokens'] }> {
    let banner = '';
    const all = await startAllInOne(
      {
        PORT: '0',
        DATABASE_URL: `sqlite:${join(dir, 'data', 'onboard.sqlite')}`,
        BRIDGE_DATABASE_URL: 'sqlite::memory:',
        BRIDGE_MQTT_PORT: '0',
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_HTTP_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      { write: (text) => void (banner += text) },
    );
    await all.close();
    return { banner, tokens: all.tokens };
  }

  it('prints generated admin tokens on the first start only, and reuses them from the data directory', async () => {
    const file = join(dir, 'data', 'admin-tokens.json');
    const first = await start();
    expect(first.banner).toContain(`ADMIN_TOKEN=${first.tokens.provider}`);
    expect(first.banner).toContain(`kept in ${file}, mode 0600`);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await start();
    expect(second.tokens).toEqual(first.tokens);
    expect(second.banner).not.toContain(first.tokens.provider);
    expect(second.banner).not.toContain(first.tokens.bridge);
    expect(second.banner).toContain(`admin tokens ADMIN_TOKEN, BRIDGE_ADMIN_TOKEN: as kept in ${file}`);
  });
});

describe('all-in-one start with the admin APIs and metrics on listeners of their own', () => {
  let all: AllInOne;
  let banner = '';
  beforeAll(async () => {
    all = await startAllInOne(
      {
        PORT: '0',
        ADMIN_PORT: '0',
        DATABASE_URL: 'sqlite::memory:',
        BRIDGE_DATABASE_URL: 'sqlite::memory:',
        BRIDGE_MQTT_PORT: '0',
        BRIDGE_HOST: '127.0.0.1',
        BRIDGE_HTTP_PORT: '0',
        BRIDGE_ADMIN_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      { write: (text) => void (banner += text) },
    );
  });
  afterAll(() => all.close());

  it('registers a device through the bridge admin listener, which reaches the provider admin listener', async () => {
    expect(banner).toContain(`provider admin API and /metrics  ${all.provider.adminUrl}`);
    expect(banner).toContain(`bridge admin API and /metrics    ${all.bridge.adminUrl}`);
    const sig = await generateKeyPair('ES256');
    const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
    const jwks = {
      keys: [
        { ...(await exportJWK(sig.publicKey)), use: 'sig', alg: 'ES256' },
        { ...(await exportJWK(enc.publicKey)), use: 'enc', alg: 'ECDH-ES+A256KW' },
      ],
    };
    const register = (base: string) =>
      fetch(`${base}/admin/v1/devices`, {
        method: 'POST',
        headers: { authorization: `Bearer ${all.tokens.bridge}`, 'content-type': 'application/json' },
        body: JSON.stringify({ device_id: `hu-${randomUUID().slice(0, 8)}`, jwks }),
      });
    expect((await register(all.bridge.httpUrl)).status).toBe(404);
    expect((await register(all.bridge.adminUrl!)).status).toBe(201);
  });
});
