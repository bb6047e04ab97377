import { makeClient, testContext, type TestContext } from '../delivery/testing.helper';
import type { WireRequest } from '../wire/wire';
import { ADMIN_ENDPOINTS, handleAdminEndpoint, type AdminEndpoint } from './admin.handler';

/** The endpoint and path parameters of `method path` (the app's router does this in production). */
function route(method: string, path: string): { endpoint: AdminEndpoint; params: string[] } {
  const segments = path.split('?')[0].split('/').filter(Boolean);
  for (const endpoint of Object.values(ADMIN_ENDPOINTS)) {
    const parts = endpoint.pattern.split('/');
    if (endpoint.method !== method || parts.length !== segments.length) continue;
    if (parts.every((part, i) => part === '*' || part === segments[i])) {
      return { endpoint, params: segments.filter((_, i) => parts[i] === '*').map(decodeURIComponent) };
    }
  }
  throw new Error(`no admin endpoint ${method} ${path}`);
}

const ADMIN_TOKEN = 'admin-token-that-is-long-enough';

describe('handleAdminEndpoint', () => {
  let ctx: TestContext;
  beforeEach(() => {
    ctx = testContext({ adminToken: ADMIN_TOKEN });
  });

  const call = (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => {
    const req: WireRequest = {
      method,
      url: `https://op.example/admin/v1${path}`,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      rawBody: body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined,
    };
    const { endpoint, params } = route(method, path);
    return handleAdminEndpoint(ctx, req, endpoint, params);
  };

  it('does not exist when no admin token is configured', async () => {
    ctx = testContext();
    expect((await call('GET', '/owners')).status).toBe(404);
  });

  it('refuses a missing or wrong admin token with 401 and a Bearer challenge', async () => {
    const missing = await call('GET', '/owners', undefined, null);
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="admin"');
    const wrong = await call('GET', '/owners', undefined, 'admin-token-that-is-long-enougH');
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('invalid_token');
  });

  it('creates and lists owners without exposing the user code hash', async () => {
    const created = await call('POST', '/owners', {
      sub: 'alice',
      email: 'alice@example.com',
      phone_number: '+4915112345678',
      user_code: '4711',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      sub: 'alice',
      email: 'alice@example.com',
      phone_number: '+4915112345678',
      user_code_set: true,
    });
    const list = await call('GET', '/owners');
    expect(list.body).toMatchObject({ owners: [{ sub: 'alice' }] });
    expect(JSON.stringify(list.body)).not.toContain('scrypt');
  });

  it('answers invalid_request for a malformed owner', async () => {
    const res = await call('POST', '/owners', { email: 'nope' });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect((await call('POST', '/owners', { email: 42 })).status).toBe(400);
  });

  it('sets a user code', async () => {
    await call('POST', '/owners', { sub: 'alice' });
    const res = await call('PUT', '/owners/alice/user-code', { user_code: '2468' });
    expect(res).toMatchObject({ status: 200, body: { user_code_set: true } });
    expect((await call('PUT', '/owners/ghost/user-code', { user_code: '2468' })).status).toBe(404);
  });

  it('creates an owner device and returns its credential once', async () => {
    await call('POST', '/owners', { sub: 'alice' });
    const res = await call('POST', '/owners/alice/devices', { name: 'Pixel' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      sub: 'alice',
      name: 'Pixel',
      credential: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const list = await call('GET', '/owners/alice/devices');
    expect(JSON.stringify(list.body)).not.toContain((res.body as { credential: string }).credential);
  });

  it('creates an owner device with an empty body', async () => {
    await call('POST', '/owners', { sub: 'alice' });
    expect((await call('POST', '/owners/alice/devices')).status).toBe(201);
  });

  it('registers a client without an initial access token and returns its secret once', async () => {
    ctx.settings.initialAccessTokens = ['dcr-token'];
    const res = await call('POST', '/clients', {
      client_name: 'Car Rental',
      backchannel_token_delivery_mode: 'poll',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['urn:openid:params:grant-type:ciba'],
    });
    expect(res.status).toBe(201);
    const body = res.body as Record<string, unknown>;
    expect(body).toMatchObject({ client_name: 'Car Rental', client_secret: expect.any(String) });
    const stored = await ctx.stores.clients.find(body.client_id as string);
    expect(stored).toMatchObject({ clientName: 'Car Rental', backchannelTokenDeliveryMode: 'poll' });
  });

  it('registers a client under an operator-chosen client_id', async () => {
    const res = await call('POST', '/clients', {
      client_id: 'head-unit-0001',
      backchannel_token_delivery_mode: 'poll',
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['urn:openid:params:grant-type:ciba'],
    });
    expect(res).toMatchObject({ status: 201, body: { client_id: 'head-unit-0001' } });
  });

  it('answers invalid_client_metadata for bad client metadata', async () => {
    const res = await call('POST', '/clients', { backchannel_token_delivery_mode: 'carrier-pigeon' });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_client_metadata' } });
  });

  it('lists and disables clients without their secret', async () => {
    await ctx.stores.clients.save(
      makeClient({ clientSecretHash: 'hash', metadata: { client_secret: 's3cret', client_name: 'Car Rental' } }),
    );
    const disabled = await call('POST', '/clients/client-1/disable');
    expect(disabled.body).toMatchObject({ client_id: 'client-1', disabled: true });
    const list = await call('GET', '/clients');
    expect(JSON.stringify(list.body)).not.toContain('s3cret');
    expect(JSON.stringify(list.body)).not.toContain('hash');
  });

  it('reads one client without its secret, and answers 404 for an unknown one', async () => {
    await ctx.stores.clients.save(
      makeClient({
        clientSecretHash: 'secret-hash-value',
        metadata: { client_secret: 's3cret', client_name: 'Car Rental', token_response_encryption_alg: 'ECDH-ES' },
      }),
    );
    const res = await call('GET', '/clients/client-1');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toMatchObject({
      client_id: 'client-1',
      client_name: 'Car Rental',
      token_response_encryption_alg: 'ECDH-ES',
      disabled: false,
    });
    expect(JSON.stringify(res.body)).not.toContain('s3cret');
    expect(JSON.stringify(res.body)).not.toContain('secret-hash-value');
    expect(await call('GET', '/clients/nope')).toMatchObject({ status: 404, body: { error: 'not_found' } });
  });

  it('reads the audit trail of one auth request', async () => {
    await ctx.stores.audit.append({
      id: 'e1',
      at: ctx.clock.now(),
      type: 'auth_request.approved',
      authRequestId: 'r1',
      sub: 'alice',
    });
    await ctx.stores.audit.append({
      id: 'e2',
      at: ctx.clock.now(),
      type: 'auth_request.approved',
      authRequestId: 'r2',
      sub: 'alice',
    });
    const res = await call('GET', '/audit?auth_request_id=r1');
    expect(res.body).toEqual({
      events: [
        {
          id: 'e1',
          at: new Date(ctx.clock.now()).toISOString(),
          type: 'auth_request.approved',
          auth_request_id: 'r1',
          sub: 'alice',
        },
      ],
    });
    expect((await call('GET', '/audit')).status).toBe(400);
  });
});
