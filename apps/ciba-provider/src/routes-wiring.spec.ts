import { createMemoryStores } from '@onboard/ciba-core';
import { createProviderApp, type ProviderApp } from './bootstrap';

const ADMIN_TOKEN = 'admin-token-for-wiring-tests';

describe('ciba-provider routes reach the core', () => {
  let provider: ProviderApp;
  const admin = (path: string, init: RequestInit = {}) =>
    fetch(`${provider.url}/admin/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json', ...init.headers },
    });

  beforeAll(async () => {
    provider = await createProviderApp({
      env: {
        PORT: '0',
        DATABASE_URL: 'sqlite::memory:',
        LOG_LEVEL: 'silent',
        ADMIN_TOKEN,
        CIBA_LONG_POLL_SECONDS: '0',
        INITIAL_ACCESS_TOKENS: 'iat-for-wiring-tests',
      },
      // The in-memory stores keep this a test of the HTTP wiring; the SQL stores have their own contract suite.
      stores: createMemoryStores(),
      shutdownHooks: false,
    });
  });
  afterAll(async () => {
    await provider?.close();
  });

  it('serves discovery with issuer-based endpoint URLs', async () => {
    const res = await fetch(`${provider.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const metadata = (await res.json()) as Record<string, unknown>;
    expect(metadata.issuer).toBe(provider.issuer);
    expect(metadata.token_endpoint).toBe(`${provider.issuer}/token`);
    expect(metadata.backchannel_authentication_endpoint).toBe(`${provider.issuer}/backchannel`);
  });

  it('refuses dynamic registration without the initial access token', async () => {
    const res = await fetch(`${provider.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ backchannel_token_delivery_mode: 'poll' }),
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(typeof ((await res.json()) as { error: string }).error).toBe('string');
  });

  it('rejects the admin API without the admin token', async () => {
    const res = await fetch(`${provider.url}/admin/v1/owners`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_token');
  });

  it('runs a poll-mode flow: register, add owner and device, request, approve, token', async () => {
    const registered = await fetch(`${provider.url}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer iat-for-wiring-tests' },
      body: JSON.stringify({
        client_name: 'Kiosk',
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['urn:openid:params:grant-type:ciba'],
        backchannel_token_delivery_mode: 'poll',
      }),
    });
    expect(registered.status).toBe(201);
    const client = (await registered.json()) as { client_id: string; client_secret: string };

    expect(
      (await admin('/owners', { method: 'POST', body: JSON.stringify({ sub: 'dora', email: 'dora@example.com' }) }))
        .status,
    ).toBe(201);
    const device = (await (await admin('/owners/dora/devices', { method: 'POST', body: '{}' })).json()) as {
      credential: string;
    };

    const form = (fields: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: client.client_id,
        client_secret: client.client_secret,
        ...fields,
      }).toString(),
    });
    const ack = await fetch(
      `${provider.url}/backchannel`,
      form({ scope: 'openid', login_hint: 'dora@example.com', binding_message: 'K7' }),
    );
    expect(ack.status).toBe(200);
    const { auth_req_id } = (await ack.json()) as { auth_req_id: string };

    const pending = await fetch(
      `${provider.url}/token`,
      form({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id }),
    );
    expect(((await pending.json()) as { error: string }).error).toBe('authorization_pending');

    const owned = { headers: { authorization: `Bearer ${device.credential}` } };
    const list = (await (await fetch(`${provider.url}/owner-device/v1/requests`, owned)).json()) as {
      requests: { id: string; binding_message: string }[];
    };
    expect(list.requests.map((r) => r.binding_message)).toEqual(['K7']);
    const approved = await fetch(`${provider.url}/owner-device/v1/requests/${list.requests[0].id}/approve`, {
      method: 'POST',
      ...owned,
    });
    expect(approved.status).toBe(200);

    // CIBA §7.3: wait the advertised interval before polling again.
    await new Promise((resolve) => setTimeout(resolve, provider.ctx.settings.pollInterval * 1000 + 100));
    const token = await fetch(
      `${provider.url}/token`,
      form({ grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id }),
    );
    expect(token.status).toBe(200);
    const body = (await token.json()) as { access_token: string; id_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(body.id_token.split('.')).toHaveLength(3);

    const userinfo = await fetch(`${provider.url}/userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    expect(userinfo.status).toBe(200);
    expect(((await userinfo.json()) as { sub: string }).sub).toBe('dora');

    const metrics = await (await fetch(`${provider.url}/metrics`)).text();
    expect(metrics).toContain('route="/owner-device/v1/requests/:id/approve"');
  }, 20_000);
});
