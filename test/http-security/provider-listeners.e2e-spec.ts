import { PATHS } from '@onboard/ciba-core';
import { get, postForm, send, sendJson, type HttpResult } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

/** The headers every response carries, whichever part of the provider answered. */
function expectSecurityHeaders(res: HttpResult, what: string): void {
  const headers = res.headers;
  expect({ what, ...pick(headers) }).toEqual({
    what,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    'x-frame-options': 'DENY',
    'x-powered-by': undefined,
  });
}
const pick = (h: HttpResult['headers']) => ({
  'x-content-type-options': h['x-content-type-options'],
  'referrer-policy': h['referrer-policy'],
  'content-security-policy': h['content-security-policy'],
  'x-frame-options': h['x-frame-options'],
  'x-powered-by': h['x-powered-by'],
});

describe('security headers on every provider response', () => {
  let p: TestProvider;
  let https: TestProvider;
  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    https = await startProvider({ inMemory: true, env: { ISSUER: 'https://op.example.test' } });
  });
  afterAll(async () => {
    await p?.close();
    await https?.close();
  });

  const admin = () => ({ authorization: `Bearer ${p.adminToken}` });
  // [what, request, the cache-control it must carry]
  const requests: [string, () => Promise<HttpResult>, string][] = [
    ['discovery', () => get(p.at(PATHS.discovery)), 'public, max-age=300'],
    ['the JWKS', () => get(p.at(PATHS.jwks)), 'public'],
    ['a token error', () => postForm(p.at(PATHS.token), { grant_type: 'x' }), 'no-store'],
    ['a backchannel error', () => postForm(p.at(PATHS.backchannel), {}), 'no-store'],
    ['the owner-device API without credentials', () => get(p.at(`${PATHS.ownerDevice}/requests`)), 'no-store'],
    ['a registration', () => sendJson('POST', p.at(PATHS.registration), {}), 'no-store'],
    ['the admin API (Nest)', () => get(p.at(`${PATHS.admin}/owners`), admin()), 'no-store'],
    ['an admin API refusal (Nest)', () => get(p.at(`${PATHS.admin}/owners`)), 'no-store'],
    ['health (Nest)', () => get(p.at(PATHS.health)), 'no-store'],
    ['metrics (Nest)', () => get(p.at(PATHS.metrics)), 'no-store'],
    ['the OpenAPI document (Nest)', () => get(p.at(PATHS.openapi)), 'public, max-age=300'],
    ['an unknown path (Nest 404)', () => get(p.at('/no/such/path')), 'no-store'],
    ['a wrong method (Nest 405)', () => send({ method: 'DELETE', url: p.at(PATHS.discovery) }), 'no-store'],
  ];

  it.each(requests)(
    '%s: nosniff, no-referrer, an API CSP, DENY framing, no X-Powered-By',
    async (what, request, cache) => {
      const res = await request();
      expectSecurityHeaders(res, what);
      expect(res.headers['cache-control']).toContain(cache);
      // an http issuer is not told to browsers as https-only
      expect(res.headers['strict-transport-security']).toBeUndefined();
    },
  );

  it('adds Strict-Transport-Security when the issuer is https, on protocol and Nest routes alike', async () => {
    for (const path of [PATHS.discovery, PATHS.health, '/no/such/path']) {
      const res = await get(https.at(path));
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      expectSecurityHeaders(res, path);
    }
  });
});

describe('the operator listener (ADMIN_PORT) and METRICS_TOKEN', () => {
  let split: TestProvider;
  let guarded: TestProvider;
  let operator: string;
  beforeAll(async () => {
    split = await startProvider({ inMemory: true, env: { ADMIN_PORT: '0', METRICS_TOKEN } });
    operator = split.booted.adminUrl!;
    guarded = await startProvider({ inMemory: true, env: { METRICS_TOKEN } });
  });
  afterAll(async () => {
    await split?.close();
    await guarded?.close();
  });
  const admin = (p: TestProvider) => ({ authorization: `Bearer ${p.adminToken}` });

  it('listens on a port of its own', () => {
    expect(operator).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(operator).not.toBe(split.url);
  });

  it('moves the admin API and /metrics off the main listener, which answers 404 for them', async () => {
    for (const res of [
      await get(split.at(`${PATHS.admin}/owners`), admin(split)),
      await get(split.at(PATHS.metrics), { authorization: `Bearer ${METRICS_TOKEN}` }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.json).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
      expectSecurityHeaders(res, 'main listener 404');
    }
    expect((await get(split.at(PATHS.discovery))).status).toBe(200);
    expect((await get(split.at(PATHS.health))).status).toBe(200);
  });

  it('serves the admin API, /metrics and /health there, and nothing else', async () => {
    const owners = await get(`${operator}${PATHS.admin}/owners`, admin(split));
    expect(owners.status).toBe(200);
    expectSecurityHeaders(owners, 'operator admin API');
    expect((await get(`${operator}${PATHS.admin}/owners`)).status).toBe(401);
    expect((await get(`${operator}${PATHS.health}`)).status).toBe(200);
    const metrics = await get(`${operator}${PATHS.metrics}`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('onboard_http_requests_total');
    for (const path of [PATHS.discovery, PATHS.token, PATHS.jwks, '/no/such/path']) {
      const res = await get(`${operator}${path}`);
      expect(res.status).toBe(404);
      expectSecurityHeaders(res, `operator ${path}`);
    }
  });

  it('requires METRICS_TOKEN for /metrics, on whichever listener serves it', async () => {
    for (const url of [`${operator}${PATHS.metrics}`, guarded.at(PATHS.metrics)]) {
      const anonymous = await get(url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="metrics"');
      expect(anonymous.json).toEqual({ error: 'invalid_token', error_description: 'metrics credential required' });
      expect(anonymous.text).not.toContain('onboard_');
      const wrong = await get(url, { authorization: `Bearer ${METRICS_TOKEN}x` });
      expect(wrong.status).toBe(401);
      expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
      expect((await get(url, { authorization: `Bearer ${METRICS_TOKEN}` })).status).toBe(200);
    }
  });
});
