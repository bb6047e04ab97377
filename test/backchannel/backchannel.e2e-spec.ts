import { randomBytes } from 'node:crypto';
import { PATHS } from '@onboard/ciba-core';
import { postForm, send, sendJson } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  addOwnerDevice,
  backchannel,
  bindingMessage,
  clientAuth,
  completePollFlow,
  createOwner,
  registerClient,
  setUserCode,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk } from '../support/expect';
import { generateTestKey, nowSeconds, signJwt, unsignedJwt, type TestKey } from '../support/jose-helpers';

// Backchannel authentication endpoint (CIBA §7): parameters, hints, and every §13 error.
describe('backchannel authentication endpoint (CIBA §7, §13)', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let poll: TestClient;
  let basic: TestClient;
  let post: TestClient;
  const hintIssuer = 'https://hint-issuer.example.test';
  let hintKey: TestKey;

  beforeAll(async () => {
    hintKey = await generateTestKey('ES256');
    p = await startProvider({
      env: { LOGIN_HINT_TOKEN_ISSUERS: JSON.stringify([{ issuer: hintIssuer, jwks: { keys: [hintKey.publicJwk] } }]) },
    });
    owner = await createOwner(p);
    poll = await registerClient(p, { authMethod: 'private_key_jwt' });
    basic = await registerClient(p, { authMethod: 'client_secret_basic' });
    post = await registerClient(p, { authMethod: 'client_secret_post' });
  });
  afterAll(() => p?.close());

  describe('the acknowledgement (CIBA §7.3)', () => {
    it('returns an opaque high-entropy auth_req_id, expires_in and the configured interval, not cached', async () => {
      const res = await backchannel(p, poll, { scope: 'openid', login_hint: owner.email });
      const body = expectOk(res);
      expect(body.auth_req_id).toMatch(/^[A-Za-z0-9._-]{22,}$/);
      expect(body.expires_in).toBeGreaterThan(0);
      expect(body.interval).toBe(1);
      expect(res.headers['cache-control']).toContain('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    });

    it('gives each request a different auth_req_id', async () => {
      const a = expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: owner.email }));
      const b = expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: owner.email }));
      expect(a.auth_req_id).not.toBe(b.auth_req_id);
    });

    it.each(['client_secret_basic', 'client_secret_post'])('authenticates %s clients', async (method) => {
      const client = method === 'client_secret_basic' ? basic : post;
      expectOk(await backchannel(p, client, { scope: 'openid', login_hint: owner.email }));
    });

    it('uses requested_expiry for expires_in (CIBA §7.1)', async () => {
      const body = expectOk(
        await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, requested_expiry: '42' }),
      );
      expect(body.expires_in).toBe(42);
    });

    it('never grants more than the configured maximum expiry', async () => {
      const res = await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, requested_expiry: '999999' });
      if (res.status === 200) expect(res.json.expires_in).toBeLessThanOrEqual(1800);
      else expectOAuthError(res, 400, 'invalid_request');
    });

    it('ignores unknown parameters (RFC 6749 §3.1)', async () => {
      expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, frobnicate: 'yes' }));
    });

    it('accepts scopes in any order with openid anywhere', async () => {
      expectOk(await backchannel(p, poll, { scope: 'email profile openid', login_hint: owner.email }));
    });
  });

  describe('login_hint (CIBA §7.1)', () => {
    it.each([
      ['email', () => owner.email],
      ['email in another case', () => owner.email.toUpperCase()],
      ['phone number', () => owner.phoneNumber],
      ['username', () => owner.username],
      ['sub', () => owner.sub],
    ])('finds the owner by %s and shows the request on their device', async (_kind, hint) => {
      const bm = bindingMessage();
      expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: hint(), binding_message: bm }));
      const pending = await owner.device.pending();
      expect(pending.map((r) => r.binding_message)).toContain(bm);
    });

    it('answers unknown_user_id when the hint matches no owner', async () => {
      const res = await backchannel(p, poll, { scope: 'openid', login_hint: 'nobody@example.test' });
      expectOAuthError(res, 400, 'unknown_user_id');
    });
  });

  describe('login_hint_token from a trusted issuer (CIBA §7.1, §13)', () => {
    const lht = (claims: Record<string, unknown>, key: TestKey = hintKey) =>
      signJwt(key, { iss: hintIssuer, iat: nowSeconds(), exp: nowSeconds() + 120, ...claims });

    it('is accepted when signed by the configured issuer and naming a known owner', async () => {
      const bm = bindingMessage();
      const token = await lht({ sub: owner.sub });
      expectOk(await backchannel(p, poll, { scope: 'openid', login_hint_token: token, binding_message: bm }));
      expect((await owner.device.pending()).map((r) => r.binding_message)).toContain(bm);
    });

    it('answers expired_login_hint_token when it has expired', async () => {
      const token = await lht({ sub: owner.sub, iat: nowSeconds() - 600, exp: nowSeconds() - 300 });
      expectOAuthError(
        await backchannel(p, poll, { scope: 'openid', login_hint_token: token }),
        400,
        'expired_login_hint_token',
      );
    });

    it('is refused when signed by a key the issuer does not publish', async () => {
      const token = await lht({ sub: owner.sub }, await generateTestKey('ES256'));
      const res = await backchannel(p, poll, { scope: 'openid', login_hint_token: token });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('is refused from an issuer that is not trusted', async () => {
      const token = await signJwt(hintKey, { iss: 'https://evil.example', sub: owner.sub, exp: nowSeconds() + 60 });
      const res = await backchannel(p, poll, { scope: 'openid', login_hint_token: token });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('is refused unsigned (alg none)', async () => {
      const token = unsignedJwt({ iss: hintIssuer, sub: owner.sub, exp: nowSeconds() + 60 });
      const res = await backchannel(p, poll, { scope: 'openid', login_hint_token: token });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('answers unknown_user_id when it names no known owner', async () => {
      const token = await lht({ sub: 'no-such-subject' });
      expectOAuthError(
        await backchannel(p, poll, { scope: 'openid', login_hint_token: token }),
        400,
        'unknown_user_id',
      );
    });
  });

  describe('hint cardinality and parameter errors (CIBA §7.1, §13: invalid_request)', () => {
    it('refuses a request with no hint', async () => {
      expectOAuthError(await backchannel(p, poll, { scope: 'openid' }), 400, 'invalid_request');
    });

    it('refuses a request with two hints', async () => {
      const token = await signJwt(hintKey, { iss: hintIssuer, sub: owner.sub, exp: nowSeconds() + 60 });
      const res = await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, login_hint_token: token });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses login_hint together with id_token_hint', async () => {
      const res = await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, id_token_hint: 'a.b.c' });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a missing scope', async () => {
      const res = await backchannel(p, poll, { login_hint: owner.email });
      expect(res.status).toBe(400);
      expect(['invalid_request', 'invalid_scope']).toContain(res.json.error);
    });

    it('answers invalid_scope when openid is missing', async () => {
      expectOAuthError(await backchannel(p, poll, { scope: 'profile', login_hint: owner.email }), 400, 'invalid_scope');
    });

    it('answers invalid_scope for a scope it does not support', async () => {
      const res = await backchannel(p, poll, { scope: 'openid launch-missiles', login_hint: owner.email });
      expectOAuthError(res, 400, 'invalid_scope');
    });

    it.each(['0', '-5', '1.5', 'ten', '1e3'])('refuses requested_expiry=%s', async (value) => {
      const res = await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, requested_expiry: value });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a duplicated parameter (RFC 6749 §3.1)', async () => {
      const auth = await clientAuth(p, poll, PATHS.backchannel);
      const body = new URLSearchParams({ ...auth.form, scope: 'openid', login_hint: owner.email });
      body.append('login_hint', owner.username);
      const res = await send({
        method: 'POST',
        url: p.at(PATHS.backchannel),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: body.toString(),
      });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a JSON body', async () => {
      const res = await send({
        method: 'POST',
        url: p.at(PATHS.backchannel),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'openid', login_hint: owner.email }),
      });
      expect(res.status).toBe(400);
      expect(['invalid_request', 'invalid_client']).toContain(res.json.error);
    });

    it('refuses GET', async () => {
      const res = await send({ method: 'GET', url: p.at(`${PATHS.backchannel}?scope=openid&login_hint=x`) });
      expect([400, 404, 405]).toContain(res.status);
      expect(typeof res.json?.error).toBe('string');
    });
  });

  describe('client authentication (CIBA §7.1, §13: invalid_client 401)', () => {
    it('refuses a request without client authentication', async () => {
      const res = await postForm(p.at(PATHS.backchannel), { scope: 'openid', login_hint: owner.email });
      expectOAuthError(res, 401, 'invalid_client');
    });

    it('refuses a wrong secret and sends a Basic challenge', async () => {
      const res = await backchannel(
        { ...p },
        { ...basic, clientSecret: 'wrong' },
        { scope: 'openid', login_hint: owner.email },
      );
      expectOAuthError(res, 401, 'invalid_client');
      expect(res.headers['www-authenticate']).toMatch(/^Basic/i);
    });

    it('refuses an unknown client', async () => {
      const res = await backchannel(
        p,
        { ...post, clientId: 'no-such-client' },
        { scope: 'openid', login_hint: owner.email },
      );
      expectOAuthError(res, 401, 'invalid_client');
    });

    it('refuses a client assertion signed with a key the client did not register', async () => {
      const impostor: TestClient = { ...poll, key: await generateTestKey('ES256') };
      const res = await backchannel(p, impostor, { scope: 'openid', login_hint: owner.email });
      expectOAuthError(res, 401, 'invalid_client');
    });

    it('refuses a client assertion that is replayed', async () => {
      const auth = await clientAuth(p, poll, PATHS.backchannel);
      const first = await postForm(p.at(PATHS.backchannel), { ...auth.form, scope: 'openid', login_hint: owner.email });
      expectOk(first);
      const second = await postForm(p.at(PATHS.backchannel), {
        ...auth.form,
        scope: 'openid',
        login_hint: owner.email,
      });
      expectOAuthError(second, 401, 'invalid_client');
    });

    it('refuses two authentication methods at once with invalid_request', async () => {
      const auth = await clientAuth(p, basic, PATHS.backchannel);
      const res = await postForm(
        p.at(PATHS.backchannel),
        { client_id: basic.clientId, client_secret: basic.clientSecret, scope: 'openid', login_hint: owner.email },
        auth.headers,
      );
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('refuses a client that may not use the CIBA grant with unauthorized_client', async () => {
      let client: TestClient;
      try {
        client = await registerClient(p, {
          authMethod: 'client_secret_post',
          metadata: { grant_types: ['refresh_token'] },
        });
      } catch (err) {
        // Registration may refuse a CIBA client without the CIBA grant; then nothing can reach §13's case.
        expect(String(err)).toMatch(/invalid_client_metadata/);
        return;
      }
      expectOAuthError(
        await backchannel(p, client, { scope: 'openid', login_hint: owner.email }),
        400,
        'unauthorized_client',
      );
    });
  });

  describe('binding_message (CIBA §7.1, §13: invalid_binding_message)', () => {
    it('is shown on the owner device as sent', async () => {
      const bm = bindingMessage();
      expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: owner.email, binding_message: bm }));
      const shown = (await owner.device.pending()).find((r) => r.binding_message === bm);
      expect(shown).toBeDefined();
    });

    it('is refused when longer than the policy allows', async () => {
      const res = await backchannel(p, poll, {
        scope: 'openid',
        login_hint: owner.email,
        binding_message: 'A'.repeat(500),
      });
      expectOAuthError(res, 400, 'invalid_binding_message');
    });

    it('is refused with control characters', async () => {
      const res = await backchannel(p, poll, {
        scope: 'openid',
        login_hint: owner.email,
        binding_message: 'pay\u0000\u001b[2J',
      });
      expectOAuthError(res, 400, 'invalid_binding_message');
    });
  });

  describe('client_notification_token (CIBA §7.1)', () => {
    it('is required from ping clients', async () => {
      const ping = await registerClient(p, { mode: 'ping', notificationEndpoint: 'http://127.0.0.1:9/cb' });
      expectOAuthError(
        await backchannel(p, ping, { scope: 'openid', login_hint: owner.email }),
        400,
        'invalid_request',
      );
    });

    it('is refused when it is not RFC 6750 bearer token syntax', async () => {
      const ping = await registerClient(p, { mode: 'ping', notificationEndpoint: 'http://127.0.0.1:9/cb' });
      const res = await backchannel(p, ping, {
        scope: 'openid',
        login_hint: owner.email,
        client_notification_token: 'has spaces and "quotes"',
      });
      expectOAuthError(res, 400, 'invalid_request');
    });

    it('is refused when longer than 1024 characters', async () => {
      const ping = await registerClient(p, { mode: 'ping', notificationEndpoint: 'http://127.0.0.1:9/cb' });
      const res = await backchannel(p, ping, {
        scope: 'openid',
        login_hint: owner.email,
        client_notification_token: 'a'.repeat(1025),
      });
      expectOAuthError(res, 400, 'invalid_request');
    });
  });

  describe('authorization_details (RFC 9396)', () => {
    const details = [{ type: 'vehicle_access', actions: ['unlock'], locations: ['https://car.example'] }];

    it('is accepted and shown on the owner device', async () => {
      const bm = bindingMessage();
      expectOk(
        await backchannel(p, poll, {
          scope: 'openid',
          login_hint: owner.email,
          binding_message: bm,
          authorization_details: JSON.stringify(details),
        }),
      );
      const shown = (await owner.device.pending()).find((r) => r.binding_message === bm);
      expect(shown.authorization_details).toEqual(details);
    });

    it.each([
      ['not JSON', '[{'],
      ['not an array', JSON.stringify({ type: 'x' })],
      ['an entry without type', JSON.stringify([{ actions: ['unlock'] }])],
      ['an entry that is not an object', JSON.stringify(['x'])],
    ])('is refused when %s', async (_name, value) => {
      const res = await backchannel(p, poll, {
        scope: 'openid',
        login_hint: owner.email,
        authorization_details: value,
      });
      expect(res.status).toBe(400);
      expect(['invalid_authorization_details', 'invalid_request']).toContain(res.json.error);
    });
  });

  describe('user_code (CIBA §7.1.2)', () => {
    let ucClient: TestClient;
    let ucOwner: TestOwner;
    const code = '493817';

    beforeAll(async () => {
      ucClient = await registerClient(p, { metadata: { backchannel_user_code_parameter: true } });
      ucOwner = await createOwner(p);
      await setUserCode(p, ucOwner.sub, code);
    });

    it('is accepted when it matches the owner code', async () => {
      expectOk(await backchannel(p, ucClient, { scope: 'openid', login_hint: ucOwner.email, user_code: code }));
    });

    it('answers missing_user_code when absent', async () => {
      expectOAuthError(
        await backchannel(p, ucClient, { scope: 'openid', login_hint: ucOwner.email }),
        400,
        'missing_user_code',
      );
    });

    it('answers invalid_user_code when wrong, and the request never reaches the device', async () => {
      const bm = bindingMessage();
      const res = await backchannel(p, ucClient, {
        scope: 'openid',
        login_hint: ucOwner.email,
        user_code: '000000',
        binding_message: bm,
      });
      expectOAuthError(res, 400, 'invalid_user_code');
      expect((await ucOwner.device.pending()).map((r) => r.binding_message)).not.toContain(bm);
    });

    it('is not demanded from clients that did not register backchannel_user_code_parameter', async () => {
      expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: ucOwner.email }));
    });
  });

  describe('access policy (CIBA §13: access_denied 403)', () => {
    const admin = (method: string, path: string, body?: unknown) =>
      sendJson(method, p.at(`${PATHS.admin}${path}`), body, { authorization: `Bearer ${p.adminToken}` });

    it('refuses a user who has no authentication device, until one is registered', async () => {
      const email = `no-device-${randomBytes(4).toString('hex')}@example.test`;
      const created = await admin('POST', '/owners', { email });
      expect(created.status).toBe(201);
      const refused = await backchannel(p, poll, { scope: 'openid', login_hint: email, binding_message: 'NO-DEV' });
      expectOAuthError(refused, 403, 'access_denied');
      expect(refused.json.error_description).toMatch(/authentication device/);

      const device = await addOwnerDevice(p, created.json.sub);
      const bm = bindingMessage();
      expectOk(await backchannel(p, poll, { scope: 'openid', login_hint: email, binding_message: bm }));
      // the refused request never reached the device registered afterwards
      expect((await device.pending()).map((r) => r.binding_message)).toEqual([bm]);
    });

    it('refuses a user whose only authentication device was disabled', async () => {
      const disabledOwner = await createOwner(p);
      const disabled = await admin(
        'POST',
        `/owners/${disabledOwner.sub}/devices/${disabledOwner.device.created.id}/disable`,
      );
      expect(disabled.status).toBe(200);
      expectOAuthError(
        await backchannel(p, basic, { scope: 'openid', login_hint: disabledOwner.email }),
        403,
        'access_denied',
      );
    });

    it('answers a right user_code for an owner without a device as a wrong one (no oracle for the code)', async () => {
      const email = `no-device-${randomBytes(4).toString('hex')}@example.test`;
      const created = await admin('POST', '/owners', { email, user_code: '493817' });
      expect(created.status).toBe(201);
      const ucClient = await registerClient(p, { metadata: { backchannel_user_code_parameter: true } });
      const wrong = await backchannel(p, ucClient, { scope: 'openid', login_hint: email, user_code: '000000' });
      const right = await backchannel(p, ucClient, { scope: 'openid', login_hint: email, user_code: '493817' });
      expectOAuthError(wrong, 400, 'invalid_user_code');
      expectOAuthError(right, 400, 'invalid_user_code');
      expect(right.json).toEqual(wrong.json);
    });
  });
});

describe('id_token_hint (CIBA §7.1)', () => {
  // ID tokens live 1 s; expired ones are accepted for 3 s more (ID_TOKEN_HINT_MAX_AGE).
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  let other: TestClient;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { ID_TOKEN_TTL: '1', ID_TOKEN_HINT_MAX_AGE: '3' } });
    owner = await createOwner(p);
    client = await registerClient(p);
    other = await registerClient(p);
  });
  afterAll(() => p?.close());

  async function freshIdToken(): Promise<string> {
    const { tokens } = await completePollFlow(p, client, owner);
    return tokens.id_token;
  }

  it('accepts our own ID token, expired but within the window, and outside the window refuses it', async () => {
    const idToken = await freshIdToken();
    const issuedAt = Date.now();
    expectOk(await backchannel(p, client, { scope: 'openid', id_token_hint: idToken }));
    // Past exp (1 s) but within the 3 s window.
    await new Promise((r) => setTimeout(r, Math.max(0, issuedAt + 1800 - Date.now())));
    expectOk(await backchannel(p, client, { scope: 'openid', id_token_hint: idToken }));
    // Past exp + 3 s.
    await new Promise((r) => setTimeout(r, Math.max(0, issuedAt + 5500 - Date.now())));
    const late = await backchannel(p, client, { scope: 'openid', id_token_hint: idToken });
    expectOAuthError(late, 400, 'invalid_request');
  }, 15_000);

  it('refuses an ID token that was issued to another client', async () => {
    const idToken = await freshIdToken();
    const res = await backchannel(p, other, { scope: 'openid', id_token_hint: idToken });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses an ID token we did not sign', async () => {
    const idToken = await freshIdToken();
    const forged = await signJwt(await generateTestKey('ES256'), {
      ...JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString()),
    });
    const res = await backchannel(p, client, { scope: 'openid', id_token_hint: forged });
    expectOAuthError(res, 400, 'invalid_request');
  });

  it('refuses garbage as id_token_hint', async () => {
    const res = await backchannel(p, client, { scope: 'openid', id_token_hint: randomBytes(30).toString('base64url') });
    expectOAuthError(res, 400, 'invalid_request');
  });
});
