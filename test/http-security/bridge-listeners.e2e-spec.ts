import { silentLogger } from '@onboard/platform';
import { loadBridgeConfig } from '@onboard/config';
import { createBridgeApp, type BridgeApp } from '../../apps/mqtt-bridge/src/infra/create-bridge-app';
import { closeHttpAgent, get, send, type HttpResult } from '../support/http';

const ADMIN_TOKEN = 'bridge-admin-token-0123456789';
const METRICS_TOKEN = 'bridge-metrics-token-0123456789';

function bridgeEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    BRIDGE_MQTT_PORT: '0',
    BRIDGE_HOST: '127.0.0.1',
    BRIDGE_HTTP_PORT: '0',
    BRIDGE_DATABASE_URL: 'sqlite::memory:',
    // no provider is needed for these checks: discovery fails and the bridge starts anyway
    PROVIDER_URL: 'http://127.0.0.1:1',
    BRIDGE_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'silent',
    ...extra,
  };
}

function expectSecurityHeaders(res: HttpResult, what: string): void {
  expect({
    what,
    nosniff: res.headers['x-content-type-options'],
    referrer: res.headers['referrer-policy'],
    csp: res.headers['content-security-policy'],
    frames: res.headers['x-frame-options'],
    cache: res.headers['cache-control'],
    poweredBy: res.headers['x-powered-by'],
  }).toEqual({
    what,
    nosniff: 'nosniff',
    referrer: 'no-referrer',
    csp: "default-src 'none'; frame-ancestors 'none'",
    frames: 'DENY',
    cache: 'no-store',
    poweredBy: undefined,
  });
}

describe('bridge HTTP listeners', () => {
  let single: BridgeApp;
  let https: BridgeApp;
  let split: BridgeApp;
  beforeAll(async () => {
    single = await createBridgeApp(loadBridgeConfig(bridgeEnv()), { logger: silentLogger });
    https = await createBridgeApp(loadBridgeConfig(bridgeEnv({ BRIDGE_PUBLIC_URL: 'https://bridge.example.test' })), {
      logger: silentLogger,
    });
    split = await createBridgeApp(
      loadBridgeConfig(bridgeEnv({ BRIDGE_ADMIN_PORT: '0', BRIDGE_METRICS_TOKEN: METRICS_TOKEN })),
      { logger: silentLogger },
    );
  });
  afterAll(async () => {
    closeHttpAgent();
    await single?.close();
    await https?.close();
    await split?.close();
  });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

  it('puts the security headers on every response, and no-store unless the route set its own', async () => {
    const base = single.httpUrl;
    const responses: [string, HttpResult][] = [
      ['health', await get(`${base}/health`)],
      ['metrics', await get(`${base}/metrics`)],
      ['notify without a token', await send({ method: 'POST', url: `${base}/ciba/notify`, body: '{}' })],
      ['admin API', await get(`${base}/admin/v1/devices`, admin)],
      ['admin API without a token', await get(`${base}/admin/v1/devices`)],
      ['an unknown path', await get(`${base}/no/such/path`)],
      ['a wrong method', await send({ method: 'DELETE', url: `${base}/health` })],
    ];
    for (const [what, res] of responses) {
      expectSecurityHeaders(res, what);
      expect(res.headers['strict-transport-security']).toBeUndefined();
    }
    expect(responses.map(([, res]) => res.status)).toEqual([200, 200, 401, 200, 401, 404, 405]);
  });

  it('adds Strict-Transport-Security when the bridge is reached over https', async () => {
    const res = await get(`${https.httpUrl}/health`);
    expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
  });

  it('moves the admin API and /metrics to BRIDGE_ADMIN_PORT; the notification endpoint stays public', async () => {
    const adminUrl = split.adminUrl!;
    expect(adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // the public listener
    expect((await get(`${split.httpUrl}/admin/v1/devices`, admin)).status).toBe(404);
    expect((await get(`${split.httpUrl}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(404);
    expect((await get(`${split.httpUrl}/health`)).status).toBe(200);
    expect((await send({ method: 'POST', url: `${split.httpUrl}/ciba/notify`, body: '{}' })).status).toBe(401);
    // the admin listener
    const devices = await get(`${adminUrl}/admin/v1/devices`, admin);
    expect(devices.status).toBe(200);
    expectSecurityHeaders(devices, 'admin listener');
    expect((await get(`${adminUrl}/health`)).status).toBe(200);
    expect((await send({ method: 'POST', url: `${adminUrl}/ciba/notify`, body: '{}' })).status).toBe(404);
  });

  it('requires BRIDGE_METRICS_TOKEN for /metrics when set', async () => {
    const url = `${split.adminUrl}/metrics`;
    const anonymous = await get(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(anonymous.text).not.toContain('onboard_bridge_');
    const scraped = await get(url, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('onboard_bridge_connected_devices');
  });
});
