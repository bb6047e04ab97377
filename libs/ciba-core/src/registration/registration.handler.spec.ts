import { newClientId } from './register-client';
import { exportJWK, generateKeyPair } from 'jose';
import { CIBA_GRANT_TYPE } from '../domain/client';
import { authenticateClient } from '../client-auth/authenticate-client';
import { parseForm } from '../http/parse-body';
import { PATHS } from '../paths';
import {
  basicAuth,
  createHarness,
  formRequest,
  jsonRequest,
  makeKey,
  T0,
  type TestHarness,
} from '../backchannel/testing.spec-helper';
import { handleRegistration } from './registration.handler';
import { registerClient } from './register-client';

const IAT = 'initial-access-token-0123456789';

let h: TestHarness;
let fapi: TestHarness;
let jwks: { keys: Record<string, unknown>[] };

beforeAll(async () => {
  h = await createHarness({ initialAccessTokens: ['other-token', IAT], allowLoopbackHttpNotifications: true });
  fapi = await createHarness({ initialAccessTokens: [IAT], fapiCiba: true });
  jwks = { keys: [(await makeKey('ES256')).publicJwk as Record<string, unknown>] };
});

/** `token` null: no Authorization header. */
const register = (body: unknown, harness = h, token: string | null = IAT) =>
  handleRegistration(harness.ctx, jsonRequest(body, token === null ? {} : { authorization: `Bearer ${token}` }));

const pkjwt = (extra: Record<string, unknown> = {}) => ({
  token_endpoint_auth_method: 'private_key_jwt',
  jwks,
  backchannel_token_delivery_mode: 'poll',
  ...extra,
});

const errorOf = (res: { status: number; body?: unknown }) => ({
  status: res.status,
  error: (res.body as { error?: string } | undefined)?.error,
});

describe('handleRegistration (RFC 7591)', () => {
  describe('initial access token (RFC 7591 §3)', () => {
    it('is required: 401 invalid_token with a Bearer challenge when absent', async () => {
      const res = await register(pkjwt(), h, null);
      expect(errorOf(res)).toEqual({ status: 401, error: 'invalid_token' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="onboard"');
    });

    it('must be one of the configured tokens', async () => {
      const res = await register(pkjwt(), h, 'guess');
      expect(errorOf(res)).toEqual({ status: 401, error: 'invalid_token' });
      expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
    });

    it('is checked before the body is parsed', async () => {
      const res = await handleRegistration(h.ctx, jsonRequest('{"broken', {}));
      expect(errorOf(res)).toEqual({ status: 401, error: 'invalid_token' });
    });

    it('refuses everything when no token is configured', async () => {
      const closed = await createHarness();
      expect(errorOf(await register(pkjwt(), closed, ''))).toEqual({ status: 401, error: 'invalid_token' });
    });
  });

  describe('successful registration (RFC 7591 §3.2.1)', () => {
    it('returns 201 with client_id, issued_at and the metadata, and no secret for private_key_jwt', async () => {
      const res = await register(pkjwt({ client_name: 'Head unit', scope: 'openid profile', x_unknown: 1 }));
      expect(res.status).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.body as Record<string, unknown>;
      expect(body).toMatchObject({
        client_id_issued_at: Math.floor(T0 / 1000),
        token_endpoint_auth_method: 'private_key_jwt',
        backchannel_token_delivery_mode: 'poll',
        grant_types: [CIBA_GRANT_TYPE],
        client_name: 'Head unit',
        scope: 'openid profile',
        jwks,
        backchannel_user_code_parameter: false,
        dpop_bound_access_tokens: false,
      });
      expect(String(body.client_id).length).toBeGreaterThanOrEqual(16);
      expect(body).not.toHaveProperty('client_secret');
      expect(body).not.toHaveProperty('x_unknown');
      const stored = await h.ctx.stores.clients.find(String(body.client_id));
      expect(stored).toMatchObject({
        tokenEndpointAuthMethod: 'private_key_jwt',
        clientName: 'Head unit',
        disabled: false,
      });
    });

    it('issues a secret for client_secret_basic (the default) that then authenticates the client', async () => {
      const res = await register({ backchannel_token_delivery_mode: 'poll' });
      const body = res.body as { client_id: string; client_secret: string; client_secret_expires_at: number };
      expect(res.status).toBe(201);
      expect(body.client_secret.length).toBeGreaterThanOrEqual(32);
      expect(body.client_secret_expires_at).toBe(0);
      const stored = await h.ctx.stores.clients.find(body.client_id);
      expect(stored?.clientSecretHash).toBeDefined();
      expect(JSON.stringify(stored)).not.toContain(body.client_secret);
      const req = formRequest({}, { authorization: basicAuth(body.client_id, body.client_secret) });
      await expect(authenticateClient(h.ctx, req, parseForm(req), PATHS.token)).resolves.toMatchObject({
        clientId: body.client_id,
      });
    });

    it('issues distinct ids and secrets per client_secret_post client', async () => {
      const a = (
        await register({ token_endpoint_auth_method: 'client_secret_post', backchannel_token_delivery_mode: 'poll' })
      ).body as Record<string, string>;
      const b = (
        await register({ token_endpoint_auth_method: 'client_secret_post', backchannel_token_delivery_mode: 'poll' })
      ).body as Record<string, string>;
      expect(a.client_id).not.toBe(b.client_id);
      expect(a.client_secret).not.toBe(b.client_secret);
    });

    it('keeps the CIBA fields and DPoP binding', async () => {
      const res = await register(
        pkjwt({
          backchannel_token_delivery_mode: 'ping',
          backchannel_client_notification_endpoint: 'https://rp.example.test/cb',
          backchannel_authentication_request_signing_alg: 'ES256',
          backchannel_user_code_parameter: true,
          dpop_bound_access_tokens: true,
          grant_types: [CIBA_GRANT_TYPE, 'refresh_token'],
        }),
      );
      expect(res.body).toMatchObject({
        backchannel_token_delivery_mode: 'ping',
        backchannel_client_notification_endpoint: 'https://rp.example.test/cb',
        backchannel_authentication_request_signing_alg: 'ES256',
        backchannel_user_code_parameter: true,
        dpop_bound_access_tokens: true,
        grant_types: [CIBA_GRANT_TYPE, 'refresh_token'],
      });
      const stored = await h.ctx.stores.clients.find((res.body as { client_id: string }).client_id);
      expect(stored).toMatchObject({
        backchannelAuthenticationRequestSigningAlg: 'ES256',
        backchannelUserCodeParameter: true,
        dpopBoundAccessTokens: true,
        backchannelClientNotificationEndpoint: 'https://rp.example.test/cb',
      });
    });

    it('accepts a loopback http notification endpoint only when development mode allows it', async () => {
      const meta = pkjwt({
        backchannel_token_delivery_mode: 'push',
        backchannel_client_notification_endpoint: 'http://127.0.0.1:9/cb',
      });
      expect((await register(meta)).status).toBe(201);
      const strict = await createHarness({ initialAccessTokens: [IAT] });
      expect(errorOf(await register(meta, strict))).toEqual({ status: 400, error: 'invalid_client_metadata' });
    });

    it('accepts a jwks_uri instead of jwks', async () => {
      const res = await register(pkjwt({ jwks: undefined, jwks_uri: 'https://rp.example.test/jwks' }));
      expect(res.body).toMatchObject({ jwks_uri: 'https://rp.example.test/jwks' });
    });
  });

  describe('invalid metadata (RFC 7591 §3.2.2)', () => {
    it.each<[string, Record<string, unknown>]>([
      ['a missing delivery mode', { backchannel_token_delivery_mode: undefined }],
      ['an unknown delivery mode', { backchannel_token_delivery_mode: 'carrier-pigeon' }],
      ['ping without a notification endpoint', { backchannel_token_delivery_mode: 'ping' }],
      ['push without a notification endpoint', { backchannel_token_delivery_mode: 'push' }],
      [
        'an http endpoint that is not loopback',
        { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'http://example.com/cb' },
      ],
      [
        'an endpoint with a fragment',
        { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'https://rp.test/cb#x' },
      ],
      [
        'an endpoint that is not a URL',
        { backchannel_token_delivery_mode: 'ping', backchannel_client_notification_endpoint: 'not a url' },
      ],
      ['the none auth method', { token_endpoint_auth_method: 'none' }],
      ['client_secret_jwt', { token_endpoint_auth_method: 'client_secret_jwt' }],
      ['private_key_jwt without keys', { jwks: undefined }],
      ['both jwks and jwks_uri', { jwks_uri: 'https://rp.test/jwks' }],
      ['a jwks_uri over http', { jwks: undefined, jwks_uri: 'http://rp.test/jwks' }],
      ['a jwks that is not a JWK Set', { jwks: { keys: 'nope' } }],
      ['a symmetric key in jwks', { jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }],
      ['request signing alg none', { backchannel_authentication_request_signing_alg: 'none' }],
      ['a symmetric request signing alg', { backchannel_authentication_request_signing_alg: 'HS256' }],
      ['a symmetric assertion alg', { token_endpoint_auth_signing_alg: 'HS256' }],
      ['grant_types that are not an array', { grant_types: CIBA_GRANT_TYPE }],
      ['grant_types without CIBA', { grant_types: ['refresh_token'] }],
      ['an unsupported grant type', { grant_types: [CIBA_GRANT_TYPE, 'authorization_code'] }],
      ['an unsupported scope', { scope: 'openid launch-missiles' }],
      ['a user_code flag that is not a boolean', { backchannel_user_code_parameter: 'yes' }],
      ['a dpop flag that is not a boolean', { dpop_bound_access_tokens: 1 }],
      ['a client_name that is not a string', { client_name: 7 }],
    ])('refuses %s with invalid_client_metadata', async (_name, change) => {
      const res = await register(JSON.parse(JSON.stringify(pkjwt(change))));
      expect(errorOf(res)).toEqual({ status: 400, error: 'invalid_client_metadata' });
    });

    it('refuses a jwks holding private key material', async () => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const res = await register(pkjwt({ jwks: { keys: [await exportJWK(privateKey)] } }));
      expect(errorOf(res)).toEqual({ status: 400, error: 'invalid_client_metadata' });
    });

    it('refuses bad redirect_uris with invalid_redirect_uri', async () => {
      expect(errorOf(await register(pkjwt({ redirect_uris: ['https://rp.test/cb#frag'] })))).toEqual({
        status: 400,
        error: 'invalid_redirect_uri',
      });
      expect(errorOf(await register(pkjwt({ redirect_uris: 'https://rp.test/cb' })))).toEqual({
        status: 400,
        error: 'invalid_redirect_uri',
      });
    });

    it('refuses a body that is not a JSON object with invalid_request', async () => {
      expect(errorOf(await register('{"client_name":'))).toEqual({ status: 400, error: 'invalid_request' });
      expect(errorOf(await register([{ client_name: 'x' }]))).toEqual({ status: 400, error: 'invalid_request' });
    });

    it('refuses methods other than POST', async () => {
      const res = await handleRegistration(h.ctx, {
        ...jsonRequest({}, { authorization: `Bearer ${IAT}` }),
        method: 'GET',
      });
      expect(res.status).toBe(405);
    });
  });

  describe('FAPI-CIBA profile (FAPI-CIBA §5.2.2)', () => {
    const fapiMeta = (change: Record<string, unknown> = {}) =>
      JSON.parse(JSON.stringify(pkjwt({ backchannel_authentication_request_signing_alg: 'PS256', ...change })));

    it('accepts a private_key_jwt poll client with PS256 signed requests', async () => {
      expect((await register(fapiMeta(), fapi)).status).toBe(201);
    });

    it('defaults the auth method to private_key_jwt', async () => {
      const res = await register(fapiMeta({ token_endpoint_auth_method: undefined }), fapi);
      expect(res.body).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt' });
    });

    it.each<[string, Record<string, unknown>]>([
      ['client_secret_basic', { token_endpoint_auth_method: 'client_secret_basic', jwks: undefined }],
      ['client_secret_post', { token_endpoint_auth_method: 'client_secret_post', jwks: undefined }],
      [
        'push delivery',
        { backchannel_token_delivery_mode: 'push', backchannel_client_notification_endpoint: 'https://rp.test/cb' },
      ],
      ['an RS256 request signing alg', { backchannel_authentication_request_signing_alg: 'RS256' }],
      ['an RS256 assertion alg', { token_endpoint_auth_signing_alg: 'RS256' }],
      ['no request signing alg', { backchannel_authentication_request_signing_alg: undefined }],
    ])('refuses %s', async (_name, change) => {
      expect(errorOf(await register(fapiMeta(change), fapi))).toEqual({
        status: 400,
        error: 'invalid_client_metadata',
      });
    });

    it('applies per client when fapi_ciba_profile is true', async () => {
      const res = await register(pkjwt({ fapi_ciba_profile: true }));
      expect(errorOf(res)).toEqual({ status: 400, error: 'invalid_client_metadata' });
      const ok = await register(
        pkjwt({ fapi_ciba_profile: true, backchannel_authentication_request_signing_alg: 'ES256' }),
      );
      expect(ok.status).toBe(201);
      const stored = await h.ctx.stores.clients.find((ok.body as { client_id: string }).client_id);
      expect(stored?.fapiCiba).toBe(true);
    });
  });

  describe('signed responses (OIDC Registration §2)', () => {
    const stored = async (res: { body?: unknown }) =>
      h.ctx.stores.clients.find((res.body as { client_id: string }).client_id);

    it('defaults id_token_signed_response_alg to RS256 and states it in the response', async () => {
      const res = await register(pkjwt());
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id_token_signed_response_alg: 'RS256' });
      expect(res.body).not.toHaveProperty('userinfo_signed_response_alg');
      expect(await stored(res)).toMatchObject({ idTokenSignedResponseAlg: 'RS256' });
      expect(await stored(res)).not.toHaveProperty('userinfoSignedResponseAlg');
    });

    it.each(['RS256', 'ES256', 'PS256'])('accepts and records %s for ID tokens and UserInfo', async (alg) => {
      const res = await register(pkjwt({ id_token_signed_response_alg: alg, userinfo_signed_response_alg: alg }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ id_token_signed_response_alg: alg, userinfo_signed_response_alg: alg });
      expect(await stored(res)).toMatchObject({ idTokenSignedResponseAlg: alg, userinfoSignedResponseAlg: alg });
    });

    it.each<[string, Record<string, unknown>, RegExp]>([
      ['none for ID tokens', { id_token_signed_response_alg: 'none' }, /must be one of RS256, ES256, PS256/],
      ['HS256 for ID tokens', { id_token_signed_response_alg: 'HS256' }, /id_token_signed_response_alg/],
      ['an alg without a key (ES384)', { id_token_signed_response_alg: 'ES384' }, /got 'ES384'/],
      ['a non-string alg', { id_token_signed_response_alg: 256 }, /must be a non-empty string/],
      ['none for UserInfo', { userinfo_signed_response_alg: 'none' }, /userinfo_signed_response_alg/],
      ['signed introspection (RFC 9701)', { introspection_signed_response_alg: 'RS256' }, /not supported/],
    ])('refuses %s with invalid_client_metadata', async (_name, change, description) => {
      const res = await register(pkjwt(change));
      expect(errorOf(res)).toEqual({ status: 400, error: 'invalid_client_metadata' });
      expect((res.body as { error_description: string }).error_description).toMatch(description);
    });

    it('defaults FAPI clients to PS256 and refuses RS256 for them (FAPI 1.0 Advanced §8.6)', async () => {
      const meta = { backchannel_authentication_request_signing_alg: 'PS256' };
      const res = await register(pkjwt(meta), fapi);
      expect(res.body).toMatchObject({ id_token_signed_response_alg: 'PS256' });
      expect(errorOf(await register(pkjwt({ ...meta, id_token_signed_response_alg: 'RS256' }), fapi))).toEqual({
        status: 400,
        error: 'invalid_client_metadata',
      });
      expect((await register(pkjwt({ ...meta, id_token_signed_response_alg: 'ES256' }), fapi)).status).toBe(201);
    });

    it('validates the same metadata for the admin path (registerClient without initial access token)', async () => {
      await expect(
        registerClient(h.ctx, pkjwt({ id_token_signed_response_alg: 'none' }), { skipInitialAccessToken: true }),
      ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
      const { client } = await registerClient(h.ctx, pkjwt({ id_token_signed_response_alg: 'PS256' }), {
        skipInitialAccessToken: true,
      });
      expect(client.idTokenSignedResponseAlg).toBe('PS256');
    });
  });

  describe('token response encryption (Onboard extension)', () => {
    const encJwk = async (crv: 'X25519' | 'P-256', use = 'enc') => {
      const { publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv, extractable: true });
      return { ...(await exportJWK(publicKey)), kid: `enc-${crv}`, use };
    };
    const device = async (extra: Record<string, unknown>, encKeys: Record<string, unknown>[]) =>
      register(
        pkjwt({
          jwks: { keys: [...jwks.keys, ...encKeys] },
          backchannel_token_delivery_mode: 'push',
          backchannel_client_notification_endpoint: 'https://bridge.example.test/ciba/notify',
          ...extra,
        }),
      );

    it('stores alg and enc (A256GCM by default) and returns them in the registration response', async () => {
      const res = await device({ token_response_encryption_alg: 'ECDH-ES+A256KW' }, [await encJwk('X25519')]);
      expect(res.status).toBe(201);
      const body = res.body as Record<string, unknown>;
      expect(body).toMatchObject({
        token_response_encryption_alg: 'ECDH-ES+A256KW',
        token_response_encryption_enc: 'A256GCM',
      });
      expect(await h.ctx.stores.clients.find(String(body.client_id))).toMatchObject({
        tokenResponseEncryptionAlg: 'ECDH-ES+A256KW',
        tokenResponseEncryptionEnc: 'A256GCM',
      });
    });

    it('accepts ECDH-ES with A128GCM to a P-256 key, and a jwks_uri without checking it yet', async () => {
      const p256 = await device(
        { token_response_encryption_alg: 'ECDH-ES', token_response_encryption_enc: 'A128GCM' },
        [await encJwk('P-256')],
      );
      expect(p256.status).toBe(201);
      const remote = await register(
        pkjwt({
          jwks: undefined,
          jwks_uri: 'https://rp.example.test/jwks',
          token_response_encryption_alg: 'ECDH-ES+A256KW',
        }),
      );
      expect(remote.status).toBe(201);
    });

    it('leaves clients without the metadata unencrypted', async () => {
      const res = await register(pkjwt());
      const stored = await h.ctx.stores.clients.find(String((res.body as { client_id: string }).client_id));
      expect(stored).not.toHaveProperty('tokenResponseEncryptionAlg');
      expect(res.body).not.toHaveProperty('token_response_encryption_alg');
    });

    it('refuses an unsupported alg or enc, an enc without alg, and keys without a use=enc X25519/P-256 key', async () => {
      const x25519 = await encJwk('X25519');
      const cases: [Record<string, unknown>, Record<string, unknown>[]][] = [
        [{ token_response_encryption_alg: 'RSA-OAEP-256' }, [x25519]],
        [{ token_response_encryption_alg: 'dir' }, [x25519]],
        [{ token_response_encryption_alg: 'ECDH-ES', token_response_encryption_enc: 'A256CBC-HS512' }, [x25519]],
        [{ token_response_encryption_enc: 'A256GCM' }, [x25519]],
        [{ token_response_encryption_alg: 'ECDH-ES+A256KW' }, []],
        [{ token_response_encryption_alg: 'ECDH-ES+A256KW' }, [await encJwk('X25519', 'sig')]],
        [{ token_response_encryption_alg: 'ECDH-ES+A256KW' }, [{ ...x25519, alg: 'ECDH-ES' }]],
        [{ token_response_encryption_alg: 7 }, [x25519]],
      ];
      for (const [extra, keys] of cases) {
        const res = await device(extra, keys);
        expect(errorOf(res)).toEqual({ status: 400, error: 'invalid_client_metadata' });
      }
      const secretClient = await register({
        backchannel_token_delivery_mode: 'poll',
        token_response_encryption_alg: 'ECDH-ES+A256KW',
      });
      expect(errorOf(secretClient)).toEqual({ status: 400, error: 'invalid_client_metadata' });
    });
  });

  describe('registerClient', () => {
    it('needs an initial access token unless told to skip it', async () => {
      await expect(registerClient(h.ctx, pkjwt())).rejects.toMatchObject({ code: 'invalid_token' });
      await expect(registerClient(h.ctx, pkjwt(), { initialAccessToken: IAT })).resolves.toHaveProperty('client');
      const { client } = await registerClient(h.ctx, pkjwt(), {
        skipInitialAccessToken: true,
        clientId: 'device-0001',
      });
      expect(client.clientId).toBe('device-0001');
      await expect(
        registerClient(h.ctx, pkjwt(), { skipInitialAccessToken: true, clientId: 'device-0001' }),
      ).rejects.toMatchObject({ code: 'invalid_client_metadata' });
    });

    it('returns the clear secret once for secret clients', async () => {
      const { clientSecret, response } = await registerClient(
        h.ctx,
        { backchannel_token_delivery_mode: 'poll' },
        { skipInitialAccessToken: true },
      );
      expect(clientSecret).toBeDefined();
      expect(response.client_secret).toBe(clientSecret);
    });
  });
});

describe('newClientId', () => {
  it('never begins with "-" or "_" (a command line would read it as an option), and keeps the rest', () => {
    expect(newClientId('-abcDEF123')).toBe('cabcDEF123');
    expect(newClientId('_abcDEF123')).toBe('cabcDEF123');
    expect(newClientId('Xab-_')).toBe('Xab-_');
  });
});
