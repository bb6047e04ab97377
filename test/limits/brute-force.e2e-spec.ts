import { PATHS } from '@onboard/ciba-core';
import { createProviderApp, type ProviderApp } from '../../apps/ciba-provider/src/bootstrap';
import { expectOAuthError } from '../support/expect';
import { CIBA_GRANT } from '../support/fixtures';
import { basicAuth, closeHttpAgent, postForm, send, type HttpResult } from '../support/http';

// README, "Limits": failed authentications per source address. After 20 failures in 5 minutes
// (AUTH_FAILURES_PER_SOURCE, AUTH_FAILURE_WINDOW) the address gets 429 slow_down with
// Retry-After for 15 minutes (AUTH_BLOCK_SECONDS), even with the right credential; other
// addresses are not affected; each failure is logged without the secret.
const ADMIN_TOKEN = 'admin-token-for-brute-force-tests';

describe('brute force on client secrets, owner-device credentials and the admin token', () => {
  let app: ProviderApp;
  let url: string;
  const logs: string[] = [];
  let clientId: string;
  let clientSecret: string;
  let deviceCredential: string;

  const admin = (method: string, path: string, body: unknown, token = ADMIN_TOKEN, localAddress?: string) =>
    send({
      method,
      url: `${url}${PATHS.admin}${path}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      localAddress,
    });

  beforeAll(async () => {
    app = await createProviderApp({
      env: {
        PORT: '0',
        HOST: '127.0.0.1',
        DATABASE_URL: 'sqlite::memory:',
        LOG_LEVEL: 'warn',
        ADMIN_TOKEN,
        ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'true',
      },
      logWrite: (line) => logs.push(line),
      shutdownHooks: false,
    });
    url = app.url.replace(/\/+$/, '');
    const client = await admin('POST', '/clients', {
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [CIBA_GRANT],
      backchannel_token_delivery_mode: 'poll',
    });
    clientId = client.json.client_id;
    clientSecret = client.json.client_secret;
    const owner = await admin('POST', '/owners', { email: 'brute@example.test' });
    deviceCredential = (await admin('POST', `/owners/${owner.json.sub}/devices`, { name: 'phone' })).json.credential;
  });
  afterAll(async () => {
    closeHttpAgent();
    await app?.close();
  });

  const token = (secret: string, localAddress?: string): Promise<HttpResult> =>
    send({
      method: 'POST',
      url: `${url}${PATHS.token}`,
      headers: { authorization: basicAuth(clientId, secret), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: CIBA_GRANT, auth_req_id: 'unknown' }).toString(),
      localAddress,
    });

  it('blocks a source after 20 wrong client secrets: the right secret then gets 429 with Retry-After', async () => {
    const wrongSecrets = Array.from({ length: 20 }, (_, i) => `wrong-secret-${i}-${'x'.repeat(20)}`);
    for (const secret of wrongSecrets) expectOAuthError(await token(secret), 401, 'invalid_client');
    const blocked = await token(clientSecret);
    expectOAuthError(blocked, 429, 'slow_down');
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(890);
    expect(retryAfter).toBeLessThanOrEqual(900);
    // every endpoint with client authentication: the backchannel endpoint too
    const backchannel = await postForm(
      `${url}${PATHS.backchannel}`,
      { scope: 'openid', login_hint: 'brute@example.test' },
      { authorization: basicAuth(clientId, clientSecret) },
    );
    expectOAuthError(backchannel, 429, 'slow_down');
    // another address is not blocked: the right secret works from there (the grant is then what fails)
    expectOAuthError(await token(clientSecret, '127.0.0.2'), 400, 'invalid_grant');
    expectOAuthError(await token('wrong', '127.0.0.2'), 401, 'invalid_client');

    const failures = logs.filter((line) => line.includes('authentication failed') && line.includes('"kind":"client"'));
    expect(failures.length).toBeGreaterThanOrEqual(20);
    expect(failures[0]).toContain(`"clientId":"${clientId}"`);
    expect(failures[0]).toContain('"source":"127.0.0.1"');
    const all = logs.join('\n');
    for (const secret of wrongSecrets) expect(all).not.toContain(secret);
    expect(all).not.toContain(clientSecret);
    expect(all).toMatch(/"blockedUntil":"\d{4}-/);
  });

  it('blocks a source after 20 wrong owner-device credentials: the right credential then gets 429', async () => {
    const list = (credential: string, localAddress?: string) =>
      send({
        method: 'GET',
        url: `${url}${PATHS.ownerDevice}/requests`,
        headers: { authorization: `Bearer ${credential}` },
        localAddress: localAddress ?? '127.0.0.3',
      });
    const wrong = Array.from({ length: 20 }, (_, i) => `not-a-device-credential-${i}`);
    for (const credential of wrong) {
      const res = await list(credential);
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_token');
    }
    const blocked = await list(deviceCredential);
    expectOAuthError(blocked, 429, 'slow_down');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(890);
    expect((await list(deviceCredential, '127.0.0.4')).status).toBe(200);
    const all = logs.join('\n');
    for (const credential of wrong) expect(all).not.toContain(credential);
    expect(all).not.toContain(deviceCredential);
  });

  it('blocks a source after 20 wrong admin tokens: the right token then gets 429', async () => {
    const wrong = Array.from({ length: 20 }, (_, i) => `wrong-admin-token-${i}`);
    for (const t of wrong) expect((await admin('GET', '/owners', undefined, t, '127.0.0.5')).status).toBe(401);
    const blocked = await admin('GET', '/owners', undefined, ADMIN_TOKEN, '127.0.0.5');
    expectOAuthError(blocked, 429, 'slow_down');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(890);
    expect((await admin('GET', '/owners', undefined, ADMIN_TOKEN, '127.0.0.6')).status).toBe(200);
    const all = logs.join('\n');
    for (const t of wrong) expect(all).not.toContain(t);
    const metrics = await send({ method: 'GET', url: `${url}${PATHS.metrics}` });
    expect(metrics.text).toContain('onboard_limit_events_total{limit="auth_admin",event="failure"} 20');
    expect(metrics.text).toContain('onboard_limit_events_total{limit="auth_admin",event="refused"} 1');
    expect(metrics.text).toMatch(/onboard_limit_events_total\{limit="auth_client",event="locked"\} [1-9]/);
  });

  it('does not count requests that present no credential at all', async () => {
    for (let i = 0; i < 25; i++) {
      const res = await send({ method: 'GET', url: `${url}${PATHS.ownerDevice}/requests`, localAddress: '127.0.0.7' });
      expect(res.status).toBe(401);
    }
    const ok = await send({
      method: 'GET',
      url: `${url}${PATHS.ownerDevice}/requests`,
      headers: { authorization: `Bearer ${deviceCredential}` },
      localAddress: '127.0.0.7',
    });
    expect(ok.status).toBe(200);
  });
});
