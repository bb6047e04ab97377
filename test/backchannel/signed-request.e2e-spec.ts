import { randomUUID } from 'node:crypto';
import { CompactEncrypt, generateKeyPair, importJWK, type JWK } from 'jose';
import { get } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  backchannel,
  bindingMessage,
  createOwner,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk } from '../support/expect';
import { generateTestKey, hs256Jwt, nowSeconds, requestObject, tamper, unsignedJwt } from '../support/jose-helpers';

const decodeJti = (jws: string) =>
  (JSON.parse(Buffer.from(jws.split('.')[1], 'base64url').toString()) as { jti: string }).jti;

// Signed authentication requests (CIBA §7.1.1); FAPI-CIBA 5.2.2-9 lifetime rules.
describe('signed authentication request (CIBA §7.1.1)', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  let secretClient: TestClient;

  const signed = (params: Record<string, unknown>, overrides: Record<string, unknown> = {}, header = {}) =>
    requestObject(client.key!, client.clientId, p.issuer, params, overrides, header);
  const sendRequest = (request: string, extra: Record<string, string> = {}, c: TestClient = client) =>
    backchannel(p, c, { request, ...extra });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    client = await registerClient(p, { metadata: { backchannel_authentication_request_signing_alg: 'ES256' } });
    secretClient = await registerClient(p, {
      authMethod: 'client_secret_basic',
      withKey: true,
      metadata: { backchannel_authentication_request_signing_alg: 'ES256' },
    });
  });
  afterAll(() => p?.close());

  it('is accepted with every required claim, and its parameters reach the device', async () => {
    const bm = bindingMessage();
    expectOk(await sendRequest(await signed({ scope: 'openid', login_hint: owner.email, binding_message: bm })));
    expect((await owner.device.pending()).map((r) => r.binding_message)).toContain(bm);
  });

  it('is accepted from a client_secret_basic client that registered a signing key', async () => {
    const req = await requestObject(secretClient.key!, secretClient.clientId, p.issuer, {
      scope: 'openid',
      login_hint: owner.email,
    });
    expectOk(await sendRequest(req, {}, secretClient));
  });

  it('accepts requested_expiry as a JSON string or a number', async () => {
    const a = expectOk(
      await sendRequest(await signed({ scope: 'openid', login_hint: owner.email, requested_expiry: '120' })),
    );
    const b = expectOk(
      await sendRequest(await signed({ scope: 'openid', login_hint: owner.email, requested_expiry: 120 })),
    );
    expect(a.expires_in).toBe(120);
    expect(b.expires_in).toBe(120);
  });

  const base = () => ({ scope: 'openid', login_hint: owner.email });

  it.each([
    ['aud is another server', { aud: 'https://other.example' }],
    ['aud is missing', { aud: undefined }],
    ['iss is another client', { iss: 'someone-else' }],
    ['iss is missing', { iss: undefined }],
    ['exp is in the past', { exp: nowSeconds() - 60 }],
    ['exp is missing', { exp: undefined }],
    ['iat is missing', { iat: undefined }],
    ['nbf is missing', { nbf: undefined }],
    ['nbf is 10 minutes in the future', { nbf: nowSeconds() + 600 }],
    ['nbf is 70 minutes in the past', { nbf: nowSeconds() - 70 * 60 }],
    ['jti is missing', { jti: undefined }],
    ['exp is 70 minutes in the future (lifetime over 60 min)', { exp: nowSeconds() + 70 * 60 }],
  ])('is refused with invalid_request when %s', async (_name, overrides) => {
    expectOAuthError(await sendRequest(await signed(base(), overrides)), 400, 'invalid_request');
  });

  it('refuses a replayed jti', async () => {
    const jti = randomUUID();
    expectOk(await sendRequest(await signed(base(), { jti })));
    expectOAuthError(await sendRequest(await signed(base(), { jti })), 400, 'invalid_request');
  });

  it('refuses the same request object sent twice by a poll client (only its auth_req_id hash is kept)', async () => {
    const req = await signed(base());
    expectOk(await sendRequest(req));
    expectOAuthError(await sendRequest(req), 400, 'invalid_request');
  });

  it('answers the same request object sent twice by a push client with the same acknowledgement, asking the owner once', async () => {
    const push = await registerClient(p, {
      mode: 'push',
      notificationEndpoint: 'https://rp.example.test/cb',
      metadata: { backchannel_authentication_request_signing_alg: 'ES256' },
    });
    const bm = bindingMessage();
    const req = await requestObject(push.key!, push.clientId, p.issuer, {
      ...base(),
      binding_message: bm,
      client_notification_token: randomUUID(),
    });
    const first = expectOk(await sendRequest(req, {}, push));
    const again = expectOk(await sendRequest(req, {}, push));
    expect(again.auth_req_id).toBe(first.auth_req_id);
    expect(again.expires_in).toBeLessThanOrEqual(first.expires_in);
    expect(again.expires_in).toBeGreaterThan(first.expires_in - 5);
    expect(again).not.toHaveProperty('interval');
    expect((await owner.device.pending()).filter((r) => r.binding_message === bm)).toHaveLength(1);
    // another request object reusing the jti is still a replay
    const sameJti = await requestObject(
      push.key!,
      push.clientId,
      p.issuer,
      { ...base(), client_notification_token: randomUUID() },
      { jti: decodeJti(req) },
    );
    expectOAuthError(await sendRequest(sameJti, {}, push), 400, 'invalid_request');
  });

  it.each([
    ['login_hint', { login_hint: 'x@example.test' }],
    ['scope', { scope: 'openid' }],
    ['binding_message', { binding_message: 'OUTSIDE' }],
  ])('refuses %s both inside and outside the request object', async (_name, outside) => {
    expectOAuthError(
      await sendRequest(await signed(base()), outside as Record<string, string>),
      400,
      'invalid_request',
    );
  });

  it('refuses an unsigned (alg none) request object', async () => {
    const now = nowSeconds();
    const req = unsignedJwt({
      ...base(),
      iss: client.clientId,
      aud: p.issuer,
      iat: now,
      nbf: now,
      exp: now + 60,
      jti: randomUUID(),
    });
    expectOAuthError(await sendRequest(req), 400, 'invalid_request');
  });

  it('refuses a symmetric (HS256) request object', async () => {
    const now = nowSeconds();
    const req = await hs256Jwt({
      ...base(),
      iss: client.clientId,
      aud: p.issuer,
      iat: now,
      nbf: now,
      exp: now + 60,
      jti: randomUUID(),
    });
    expectOAuthError(await sendRequest(req), 400, 'invalid_request');
  });

  it('refuses a request object signed by a key the client did not register', async () => {
    const stranger = await generateTestKey('ES256');
    const req = await requestObject({ ...stranger, kid: client.key!.kid }, client.clientId, p.issuer, base());
    expectOAuthError(await sendRequest(req), 400, 'invalid_request');
  });

  it('refuses a request object whose payload was altered after signing', async () => {
    const req = tamper(await signed(base()), { login_hint: 'attacker@example.test' });
    expectOAuthError(await sendRequest(req), 400, 'invalid_request');
  });

  it('refuses an algorithm other than the one the client registered', async () => {
    const rsa = await registerClient(p, {
      keyAlg: 'PS256',
      metadata: { backchannel_authentication_request_signing_alg: 'ES256' },
    });
    const req = await requestObject(rsa.key!, rsa.clientId, p.issuer, base());
    expectOAuthError(await backchannel(p, rsa, { request: req }), 400, 'invalid_request');
  });

  it('refuses a request object signed by another client', async () => {
    const other = await registerClient(p, { metadata: { backchannel_authentication_request_signing_alg: 'ES256' } });
    const req = await requestObject(other.key!, other.clientId, p.issuer, base());
    expectOAuthError(await sendRequest(req), 400, 'invalid_request');
  });

  it('refuses an encrypted (JWE-shaped) request object with an algorithm it does not offer', async () => {
    const res = await sendRequest('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d');
    expectOAuthError(res, 400, 'invalid_request');
    expect(res.json.error_description).toBe('an encrypted request object must use ECDH-ES+A256KW with A256GCM');
  });

  describe('signed, then encrypted to the provider (RFC 9101 §6.1)', () => {
    let encryptionKey: JWK;
    beforeAll(async () => {
      expect(p.discovery).toMatchObject({
        request_object_encryption_alg_values_supported: ['ECDH-ES+A256KW'],
        request_object_encryption_enc_values_supported: ['A256GCM'],
      });
      const jwks = (await get(p.discovery.jwks_uri)).json as { keys: JWK[] };
      const enc = jwks.keys.filter((k) => k.use === 'enc');
      expect(enc).toEqual([
        {
          kty: 'EC',
          crv: 'P-256',
          x: expect.any(String),
          y: expect.any(String),
          kid: expect.any(String),
          use: 'enc',
          alg: 'ECDH-ES+A256KW',
        },
      ]);
      expect(jwks.keys.filter((k) => k.use === 'sig').length).toBeGreaterThan(0);
      encryptionKey = enc[0];
    });
    const encrypt = async (plaintext: string, header: Record<string, unknown> = {}) =>
      new CompactEncrypt(new TextEncoder().encode(plaintext))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: encryptionKey.kid, ...header })
        .encrypt(await importJWK(encryptionKey, 'ECDH-ES+A256KW'));

    it('is accepted, and its parameters reach the owner', async () => {
      const bm = bindingMessage();
      const inner = await signed({ ...base(), binding_message: bm });
      expectOk(await sendRequest(await encrypt(inner)));
      expect((await owner.device.pending()).map((r) => r.binding_message)).toContain(bm);
    });

    it('is still a replay when sent again, however it is encrypted', async () => {
      const inner = await signed(base());
      expectOk(await sendRequest(await encrypt(inner)));
      expectOAuthError(await sendRequest(await encrypt(inner)), 400, 'invalid_request');
      expectOAuthError(await sendRequest(inner), 400, 'invalid_request');
    });

    it('refuses a JWE holding no signed JWT, or one encrypted to another key', async () => {
      const unsigned = await sendRequest(await encrypt(JSON.stringify(base())));
      expectOAuthError(unsigned, 400, 'invalid_request');
      expect(unsigned.json.error_description).toBe(
        'an encrypted request object must contain a signed JWT (RFC 9101 §6.1)',
      );
      const stranger = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
      const foreign = await new CompactEncrypt(new TextEncoder().encode(await signed(base())))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM' })
        .encrypt(stranger.publicKey);
      const res = await sendRequest(foreign);
      expectOAuthError(res, 400, 'invalid_request');
      expect(res.json.error_description).toBe('the encrypted request object could not be decrypted');
    });
  });

  it('refuses a request parameter that is not a JWT', async () => {
    expectOAuthError(await sendRequest('definitely not a jwt'), 400, 'invalid_request');
  });
});

describe('FAPI-CIBA profile at the backchannel endpoint (FAPI-CIBA 5.2.2)', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { FAPI_CIBA: 'true' } });
    owner = await createOwner(p);
    client = await registerClient(p, { metadata: { backchannel_authentication_request_signing_alg: 'ES256' } });
  });
  afterAll(() => p?.close());

  it('accepts a signed request with a binding message', async () => {
    const req = await requestObject(client.key!, client.clientId, p.issuer, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bindingMessage(),
    });
    expectOk(await backchannel(p, client, { request: req }));
  });

  it('refuses an unsigned request (5.2.2-6)', async () => {
    const res = await backchannel(p, client, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bindingMessage(),
    });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses a signed request without a binding message (5.2.2-2)', async () => {
    const req = await requestObject(client.key!, client.clientId, p.issuer, {
      scope: 'openid',
      login_hint: owner.email,
    });
    const res = await backchannel(p, client, { request: req });
    expectOAuthError(res, 400, 'invalid_binding_message');
  });
});
