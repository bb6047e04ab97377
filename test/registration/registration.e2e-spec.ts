import { PATHS } from '@onboard/ciba-core';
import { send, sendJson } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  CIBA_GRANT,
  clientMetadata,
  cibaToken,
  completePollFlow,
  createOwner,
  registerClient,
  type TestClient,
} from '../support/fixtures';
import { generateTestKey } from '../support/jose-helpers';
import { expectOAuthError, verifyProviderJwt } from '../support/expect';

describe('dynamic client registration (RFC 7591, CIBA §4)', () => {
  let p: TestProvider;
  const register = (body: unknown, token?: string) =>
    sendJson('POST', p.at(PATHS.registration), body, token === undefined ? {} : { authorization: `Bearer ${token}` });
  const dcr = (body: unknown) => register(body, p.initialAccessToken);

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
  });
  afterAll(() => p?.close());

  describe('the initial access token', () => {
    it('is required: without one registration is refused with 401', async () => {
      const { metadata } = await clientMetadata();
      const res = await register(metadata);
      expect(res.status).toBe(401);
      expect(typeof res.json?.error).toBe('string');
    });

    it('must be one of the configured tokens', async () => {
      const { metadata } = await clientMetadata();
      const res = await register(metadata, 'not-a-configured-token');
      expect(res.status).toBe(401);
      expect(typeof res.json?.error).toBe('string');
    });

    it('is not accepted in the body or the query instead of the Authorization header', async () => {
      const { metadata } = await clientMetadata();
      const res = await sendJson('POST', p.at(`${PATHS.registration}?access_token=${p.initialAccessToken}`), metadata);
      expect(res.status).toBe(401);
    });
  });

  describe('a successful registration', () => {
    it('returns 201 with a client_id, the registered metadata and no secret for private_key_jwt', async () => {
      const { metadata } = await clientMetadata({ authMethod: 'private_key_jwt' });
      const res = await dcr(metadata);
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toContain('no-store');
      expect(typeof res.json.client_id).toBe('string');
      expect(res.json.client_id.length).toBeGreaterThanOrEqual(16);
      expect(res.json.client_secret).toBeUndefined();
      expect(res.json.token_endpoint_auth_method).toBe('private_key_jwt');
      expect(res.json.backchannel_token_delivery_mode).toBe('poll');
      expect(res.json.grant_types).toEqual(expect.arrayContaining([CIBA_GRANT]));
      expect(typeof res.json.client_id_issued_at).toBe('number');
    });

    it('issues a high-entropy secret for client_secret_basic that then authenticates the client', async () => {
      const client = await registerClient(p, { authMethod: 'client_secret_basic' });
      expect(typeof client.clientSecret).toBe('string');
      expect(client.clientSecret!.length).toBeGreaterThanOrEqual(32);
      // Authenticated, so the unknown auth_req_id is the failure, not the client.
      expectOAuthError(await cibaToken(p, client, 'unknown-auth-req-id'), 400, 'invalid_grant');
      const wrong: TestClient = { ...client, clientSecret: client.clientSecret + 'x' };
      expectOAuthError(await cibaToken(p, wrong, 'unknown-auth-req-id'), 401, 'invalid_client');
    });

    it('issues a distinct secret per client_secret_post client', async () => {
      const a = await registerClient(p, { authMethod: 'client_secret_post' });
      const b = await registerClient(p, { authMethod: 'client_secret_post' });
      expect(a.clientId).not.toBe(b.clientId);
      expect(a.clientSecret).not.toBe(b.clientSecret);
      expectOAuthError(await cibaToken(p, a, 'unknown-auth-req-id'), 400, 'invalid_grant');
    });

    it('registers ping and push clients with a loopback http endpoint when development mode allows it', async () => {
      for (const mode of ['ping', 'push'] as const) {
        const res = await dcr((await clientMetadata({ mode, notificationEndpoint: 'http://127.0.0.1:9/cb' })).metadata);
        expect(res.status).toBe(201);
        expect(res.json.backchannel_token_delivery_mode).toBe(mode);
        expect(res.json.backchannel_client_notification_endpoint).toBe('http://127.0.0.1:9/cb');
      }
    });

    it('keeps the CIBA fields: signing alg, user_code parameter and DPoP binding', async () => {
      const { metadata } = await clientMetadata({
        metadata: {
          backchannel_authentication_request_signing_alg: 'ES256',
          backchannel_user_code_parameter: true,
          dpop_bound_access_tokens: true,
        },
      });
      const res = await dcr(metadata);
      expect(res.status).toBe(201);
      expect(res.json.backchannel_authentication_request_signing_alg).toBe('ES256');
      expect(res.json.backchannel_user_code_parameter).toBe(true);
      expect(res.json.dpop_bound_access_tokens).toBe(true);
    });

    it('ignores unknown metadata instead of failing (RFC 7591 §2)', async () => {
      const { metadata } = await clientMetadata({ metadata: { x_unknown_field: 'whatever' } });
      const res = await dcr(metadata);
      expect(res.status).toBe(201);
    });
  });

  describe('invalid metadata is refused with invalid_client_metadata (RFC 7591 §3.2.2)', () => {
    const cases: [string, (m: Record<string, unknown>) => Record<string, unknown>][] = [
      ['an unknown delivery mode', (m) => ({ ...m, backchannel_token_delivery_mode: 'carrier-pigeon' })],
      ['ping without a notification endpoint', (m) => ({ ...m, backchannel_token_delivery_mode: 'ping' })],
      ['push without a notification endpoint', (m) => ({ ...m, backchannel_token_delivery_mode: 'push' })],
      [
        'an http notification endpoint that is not loopback',
        (m) => ({
          ...m,
          backchannel_token_delivery_mode: 'ping',
          backchannel_client_notification_endpoint: 'http://example.com/cb',
        }),
      ],
      [
        'a notification endpoint that is not a URL',
        (m) => ({
          ...m,
          backchannel_token_delivery_mode: 'ping',
          backchannel_client_notification_endpoint: 'not a url',
        }),
      ],
      ['the none auth method', (m) => ({ ...m, token_endpoint_auth_method: 'none' })],
      ['an unsupported auth method', (m) => ({ ...m, token_endpoint_auth_method: 'client_secret_jwt' })],
      ['private_key_jwt without keys', (m) => ({ ...m, jwks: undefined })],
      ['both jwks and jwks_uri', (m) => ({ ...m, jwks_uri: 'https://example.com/jwks' })],
      ['a jwks that is not a JWK Set', (m) => ({ ...m, jwks: { keys: 'nope' } })],
      ['request signing alg none', (m) => ({ ...m, backchannel_authentication_request_signing_alg: 'none' })],
      ['a symmetric request signing alg', (m) => ({ ...m, backchannel_authentication_request_signing_alg: 'HS256' })],
      ['grant_types that are not an array', (m) => ({ ...m, grant_types: 'urn:openid:params:grant-type:ciba' })],
      ['a user_code flag that is not a boolean', (m) => ({ ...m, backchannel_user_code_parameter: 'yes' })],
      // OIDC Registration §2: only algs discovery publishes; never none, never HMAC.
      ['ID token alg none', (m) => ({ ...m, id_token_signed_response_alg: 'none' })],
      ['a symmetric ID token alg', (m) => ({ ...m, id_token_signed_response_alg: 'HS256' })],
      ['an ID token alg without a key', (m) => ({ ...m, id_token_signed_response_alg: 'ES512' })],
      ['UserInfo alg none', (m) => ({ ...m, userinfo_signed_response_alg: 'none' })],
      ['signed introspection responses', (m) => ({ ...m, introspection_signed_response_alg: 'RS256' })],
    ];
    it.each(cases)('refuses %s', async (_name, mutate) => {
      const { metadata } = await clientMetadata();
      const body = JSON.parse(JSON.stringify(mutate(metadata)));
      const res = await dcr(body);
      expectOAuthError(res, 400, 'invalid_client_metadata');
    });

    it('refuses a jwks that contains private key material', async () => {
      const key = await generateTestKey('ES256');
      const { exportJWK } = await import('jose');
      const privateJwk = { ...(await exportJWK(key.privateKey)), kid: key.kid, alg: 'ES256' };
      const { metadata } = await clientMetadata();
      const res = await dcr({ ...metadata, jwks: { keys: [privateJwk] } });
      expectOAuthError(res, 400, 'invalid_client_metadata');
    });

    it('refuses a body that is not JSON with a 400 error, not a crash', async () => {
      const res = await send({
        method: 'POST',
        url: p.at(PATHS.registration),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${p.initialAccessToken}` },
        body: '{"client_name":',
      });
      expect(res.status).toBe(400);
      expect(typeof res.json?.error).toBe('string');
    });

    it('refuses a JSON array body', async () => {
      const res = await dcr([{ client_name: 'x' }]);
      expect(res.status).toBe(400);
      expect(typeof res.json?.error).toBe('string');
    });

    it('refuses a form-encoded body', async () => {
      const res = await send({
        method: 'POST',
        url: p.at(PATHS.registration),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Bearer ${p.initialAccessToken}`,
        },
        body: 'client_name=x',
      });
      expect(res.status).toBe(400);
      expect(typeof res.json?.error).toBe('string');
    });
  });
});

describe('signed-response metadata through DCR and the admin API (OIDC Registration §2)', () => {
  let p: TestProvider;
  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
  });
  afterAll(() => p?.close());

  it.each(['dcr', 'admin'] as const)('defaults id_token_signed_response_alg to RS256 via %s', async (via) => {
    const client = await registerClient(p, { via });
    expect(client.registration.id_token_signed_response_alg).toBe('RS256');
  });

  it.each([
    ['dcr', 'ES256'],
    ['dcr', 'PS256'],
    ['admin', 'ES256'],
    ['admin', 'PS256'],
    ['admin', 'RS256'],
  ] as const)('via %s, signs the ID tokens of a client registered for %s with it', async (via, alg) => {
    const client = await registerClient(p, { via, metadata: { id_token_signed_response_alg: alg } });
    expect(client.registration.id_token_signed_response_alg).toBe(alg);
    const owner = await createOwner(p);
    const { tokens } = await completePollFlow(p, client, owner);
    const id = await verifyProviderJwt(p, tokens.id_token, { audience: client.clientId });
    expect(id.header.alg).toBe(alg);
  });

  it.each([
    ['none', 'id_token_signed_response_alg'],
    ['HS256', 'id_token_signed_response_alg'],
    ['none', 'userinfo_signed_response_alg'],
  ])('refuses %s as %s through the admin API with invalid_client_metadata', async (alg, field) => {
    const { metadata } = await clientMetadata({ metadata: { [field]: alg } });
    const res = await sendJson('POST', p.at(`${PATHS.admin}/clients`), metadata, {
      authorization: `Bearer ${p.adminToken}`,
    });
    expectOAuthError(res, 400, 'invalid_client_metadata');
    expect(res.json.error_description).toContain(field);
  });
});

describe('registration under the FAPI-CIBA profile (FAPI-CIBA §5.2.2)', () => {
  let p: TestProvider;
  const dcr = (body: unknown) =>
    sendJson('POST', p.at(PATHS.registration), body, { authorization: `Bearer ${p.initialAccessToken}` });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { FAPI_CIBA: 'true' } });
  });
  afterAll(() => p?.close());

  it('accepts a private_key_jwt poll client with ES256 signed requests', async () => {
    const { metadata } = await clientMetadata({
      metadata: { backchannel_authentication_request_signing_alg: 'ES256' },
    });
    const res = await dcr(metadata);
    expect(res.status).toBe(201);
  });

  it('defaults the ID token alg to PS256 (FAPI 1.0 Advanced §8.6)', async () => {
    const { metadata } = await clientMetadata({
      metadata: { backchannel_authentication_request_signing_alg: 'ES256' },
    });
    expect((await dcr(metadata)).json.id_token_signed_response_alg).toBe('PS256');
  });

  it.each([
    ['client_secret_basic', { token_endpoint_auth_method: 'client_secret_basic', jwks: undefined }],
    ['client_secret_post', { token_endpoint_auth_method: 'client_secret_post', jwks: undefined }],
    ['an RS256 ID token alg (FAPI 1.0 Advanced §8.6)', { id_token_signed_response_alg: 'RS256' }],
    [
      'push delivery (FAPI-CIBA 5.2.2-3)',
      { backchannel_token_delivery_mode: 'push', backchannel_client_notification_endpoint: 'http://127.0.0.1:9/cb' },
    ],
    [
      'an RS256 request signing alg (FAPI 1.0 Advanced §8.6)',
      { backchannel_authentication_request_signing_alg: 'RS256' },
    ],
  ])('refuses %s', async (_name, change) => {
    const { metadata } = await clientMetadata({
      metadata: { backchannel_authentication_request_signing_alg: 'ES256' },
    });
    const res = await dcr(JSON.parse(JSON.stringify({ ...metadata, ...change })));
    expectOAuthError(res, 400, 'invalid_client_metadata');
  });
});

describe('notification endpoints without the loopback development allowance', () => {
  let p: TestProvider;
  const dcr = (body: unknown) =>
    sendJson('POST', p.at(PATHS.registration), body, { authorization: `Bearer ${p.initialAccessToken}` });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { ALLOW_LOOPBACK_HTTP_NOTIFICATIONS: 'false' } });
  });
  afterAll(() => p?.close());

  it.each(['http://127.0.0.1:9/cb', 'http://localhost:9/cb', 'http://example.com/cb', 'ftp://example.com/cb'])(
    'refuses %s (CIBA §4: https only)',
    async (endpoint) => {
      const { metadata } = await clientMetadata({ mode: 'ping', notificationEndpoint: endpoint });
      expectOAuthError(await dcr(metadata), 400, 'invalid_client_metadata');
    },
  );

  it('accepts an https endpoint', async () => {
    const { metadata } = await clientMetadata({ mode: 'ping', notificationEndpoint: 'https://client.example/cb' });
    expect((await dcr(metadata)).status).toBe(201);
  });
});
