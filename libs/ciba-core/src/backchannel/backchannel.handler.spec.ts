import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { Client } from '../domain/client';
import { REFRESH_TOKEN_GRANT_TYPE } from '../domain/client';
import type { Owner } from '../domain/owner';
import { AccessDenied } from '../errors/oauth-error';
import { handleBackchannelAuthentication } from './backchannel.handler';
import type { BackchannelPolicy } from './backchannel-policy';
import { hashUserCode } from './user-code';
import {
  assertionParams,
  basicAuth,
  clientAssertion,
  createHarness,
  formRequest,
  ISSUER,
  keyClient,
  makeKey,
  saveOwner,
  secretClient,
  serveJwks,
  signJwt,
  T0,
  type ClientKey,
  type TestHarness,
} from './testing.spec-helper';

const HINT_ISSUER = 'https://hints.example.test';
const REMOTE_HINT_ISSUER = 'https://remote-hints.example.test';
const REMOTE_HINT_JWKS = 'https://remote-hints.example.test/jwks';

let h: TestHarness;
let hintKey: ClientKey;
let remoteHintKey: ClientKey;
let owner: Owner;

const seconds = () => Math.floor(h.clock.now() / 1000);
const sha256 = (value: string) => createHash('sha256').update(value).digest('base64url');

beforeAll(async () => {
  hintKey = await makeKey('ES256');
  remoteHintKey = await makeKey('PS256');
  h = await createHarness({
    loginHintTokenIssuers: [
      { issuer: HINT_ISSUER, jwks: { keys: [hintKey.publicJwk as Record<string, unknown>] } },
      { issuer: REMOTE_HINT_ISSUER, jwksUri: REMOTE_HINT_JWKS },
    ],
  });
  serveJwks(h.http, REMOTE_HINT_JWKS, { keys: [remoteHintKey.publicJwk] });
  owner = await saveOwner(h.ctx);
});

beforeEach(() => {
  h.clock.set(T0);
  h.notified.length = 0;
  h.ownerSignals.length = 0;
});

/** A client_secret_basic client and a function that posts the backchannel request as it. */
async function basicClient(overrides: Partial<Client> = {}) {
  const { client, secret } = await secretClient(h.ctx, overrides);
  const post = (params: Record<string, string>, policy?: Partial<BackchannelPolicy>) =>
    handleBackchannelAuthentication(
      h.ctx,
      formRequest(params, { authorization: basicAuth(client.clientId, secret) }),
      policy,
    );
  return { client, post };
}

/** A private_key_jwt client registered for signed requests with `alg`. */
async function signingClient(alg = 'ES256', overrides: Partial<Client> = {}, ctx = h.ctx) {
  const { client, key } = await keyClient(
    ctx,
    { backchannelAuthenticationRequestSigningAlg: alg, tokenEndpointAuthSigningAlg: undefined, ...overrides },
    alg,
  );
  const now = () => Math.floor(ctx.clock.now() / 1000);
  const requestObject = (claims: JWTPayload, header: Record<string, unknown> = {}, signer = key) =>
    signJwt(
      signer,
      { iss: client.clientId, aud: ISSUER, iat: now(), nbf: now(), exp: now() + 300, jti: randomUUID(), ...claims },
      header,
    );
  const post = async (params: Record<string, string>) =>
    handleBackchannelAuthentication(
      ctx,
      formRequest({ ...assertionParams(await clientAssertion(key, client.clientId, ctx.clock.now())), ...params }),
    );
  return { client, key, requestObject, post };
}

function expectError(res: { status: number; body?: unknown }, status: number, error: string) {
  expect({ status: res.status, error: (res.body as { error?: string })?.error }).toEqual({ status, error });
}

describe('handleBackchannelAuthentication', () => {
  describe('acknowledgement (CIBA §7.3)', () => {
    it('answers a valid poll request with auth_req_id, expires_in and interval, not cacheable', async () => {
      const { client, post } = await basicClient();
      const res = await post({ scope: 'openid', login_hint: owner.email! });
      expect(res.status).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.body as { auth_req_id: string; expires_in: number; interval: number };
      expect(body.auth_req_id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(body.expires_in).toBe(h.ctx.settings.defaultExpiry);
      expect(body.interval).toBe(h.ctx.settings.pollInterval);

      const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(sha256(body.auth_req_id));
      expect(stored).toMatchObject({
        clientId: client.clientId,
        sub: owner.sub,
        scope: 'openid',
        status: 'pending',
        deliveryMode: 'poll',
        expiresAt: T0 + h.ctx.settings.defaultExpiry * 1000,
      });
      expect(stored?.deliveryAuthReqId).toBeUndefined();
      expect(stored?.clientNotificationToken).toBeUndefined();
    });

    it('wakes the owner device, notifies it and records auth_request.created', async () => {
      const { post } = await basicClient();
      const body = (await post({ scope: 'openid', login_hint: owner.email! })).body as { auth_req_id: string };
      const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(sha256(body.auth_req_id));
      expect(h.ownerSignals).toEqual([owner.sub]);
      expect(h.notified.map((r) => r.id)).toEqual([stored!.id]);
      const events = await h.ctx.stores.audit.list({ authRequestId: stored!.id });
      expect(events.map((e) => e.type)).toEqual(['auth_request.created']);
      expect(JSON.stringify(events)).not.toContain(body.auth_req_id);
    });

    it('still answers 200 when the owner notifier fails', async () => {
      const broken = await createHarness();
      broken.breakNotifier();
      const other = await saveOwner(broken.ctx);
      const { client, secret } = await secretClient(broken.ctx);
      const res = await handleBackchannelAuthentication(
        broken.ctx,
        formRequest({ scope: 'openid', login_hint: other.sub }, { authorization: basicAuth(client.clientId, secret) }),
      );
      expect(res.status).toBe(200);
    });

    it('keeps auth_req_id and client_notification_token for ping delivery', async () => {
      const { post } = await basicClient({
        backchannelTokenDeliveryMode: 'ping',
        backchannelClientNotificationEndpoint: 'https://rp.example.test/cb',
      });
      const res = await post({ scope: 'openid', login_hint: owner.email!, client_notification_token: 'tok-123.abc~' });
      const body = res.body as { auth_req_id: string; interval?: number };
      expect(body.interval).toBe(h.ctx.settings.pollInterval);
      const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(sha256(body.auth_req_id));
      expect(stored).toMatchObject({
        deliveryMode: 'ping',
        deliveryAuthReqId: body.auth_req_id,
        clientNotificationToken: 'tok-123.abc~',
      });
    });

    it('leaves interval out for push clients', async () => {
      const { post } = await basicClient({
        backchannelTokenDeliveryMode: 'push',
        backchannelClientNotificationEndpoint: 'https://rp.example.test/cb',
      });
      const res = await post({ scope: 'openid', login_hint: owner.email!, client_notification_token: 'abcdef' });
      expect(res.status).toBe(200);
      expect(res.body).not.toHaveProperty('interval');
    });

    it('uses requested_expiry as expires_in', async () => {
      const { post } = await basicClient();
      const res = await post({ scope: 'openid', login_hint: owner.email!, requested_expiry: '42' });
      expect(res.body).toMatchObject({ expires_in: 42 });
    });

    it('stores scope, acr_values, binding_message and authorization_details', async () => {
      const { post } = await basicClient();
      const details = [{ type: 'vehicle_unlock', vin: 'WVW123' }];
      const res = await post({
        scope: 'openid email openid',
        login_hint: owner.username!,
        acr_values: 'urn:onboard:acr:passkey urn:onboard:acr:device',
        binding_message: 'Unlock 4711',
        authorization_details: JSON.stringify(details),
      });
      const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(
        sha256((res.body as { auth_req_id: string }).auth_req_id),
      );
      expect(stored).toMatchObject({
        scope: 'openid email',
        acrValues: ['urn:onboard:acr:passkey', 'urn:onboard:acr:device'],
        bindingMessage: 'Unlock 4711',
        authorizationDetails: details,
      });
    });

    it('uses a replaced login_hint policy hook', async () => {
      const { post } = await basicClient();
      const res = await post(
        { scope: 'openid', login_hint: 'VIN:WVW0000000001' },
        {
          resolveLoginHint: async (ctx, hint) =>
            hint.startsWith('VIN:') ? ctx.stores.owners.find(owner.sub) : undefined,
        },
      );
      expect(res.status).toBe(200);
    });
  });

  describe('client and grant (CIBA §7.2, §13)', () => {
    it('answers invalid_client with 401 for a wrong secret', async () => {
      const { client } = await secretClient(h.ctx);
      const res = await handleBackchannelAuthentication(
        h.ctx,
        formRequest({ scope: 'openid', login_hint: owner.sub }, { authorization: basicAuth(client.clientId, 'bad') }),
      );
      expectError(res, 401, 'invalid_client');
      expect(res.headers['www-authenticate']).toBe('Basic realm="onboard"');
    });

    it('answers unauthorized_client to a client without the CIBA grant', async () => {
      const { post } = await basicClient({ grantTypes: [REFRESH_TOKEN_GRANT_TYPE] });
      expectError(await post({ scope: 'openid', login_hint: owner.sub }), 400, 'unauthorized_client');
    });

    it('answers unauthorized_client to a push client under global FAPI-CIBA', async () => {
      const fapi = await createHarness({ fapiCiba: true });
      const c = await signingClient(
        'PS256',
        { backchannelTokenDeliveryMode: 'push', backchannelClientNotificationEndpoint: 'https://rp/cb' },
        fapi.ctx,
      );
      expectError(
        await c.post({ request: await c.requestObject({ scope: 'openid', login_hint: 'x' }) }),
        400,
        'unauthorized_client',
      );
    });

    it('refuses a form body that is not form-encoded with invalid_request', async () => {
      const res = await handleBackchannelAuthentication(h.ctx, {
        method: 'POST',
        url: ISSUER + '/backchannel',
        headers: { 'content-type': 'application/json' },
        rawBody: Buffer.from('{}'),
      });
      expectError(res, 400, 'invalid_request');
    });
  });

  describe('parameters (CIBA §7.1)', () => {
    it('refuses a missing scope with invalid_request', async () => {
      const { post } = await basicClient();
      expectError(await post({ login_hint: owner.sub }), 400, 'invalid_request');
    });

    it.each([
      ['without openid', 'profile'],
      ['with an unsupported value', 'openid launch-missiles'],
    ])('answers invalid_scope for a scope %s', async (_name, scope) => {
      const { post } = await basicClient();
      expectError(await post({ scope, login_hint: owner.sub }), 400, 'invalid_scope');
    });

    it('answers invalid_scope for a scope outside the client registration', async () => {
      const { post } = await basicClient({ scope: 'openid profile' });
      expectError(await post({ scope: 'openid email', login_hint: owner.sub }), 400, 'invalid_scope');
    });

    it('refuses a request with no hint', async () => {
      const { post } = await basicClient();
      expectError(await post({ scope: 'openid' }), 400, 'invalid_request');
    });

    it('refuses a request with two hints', async () => {
      const { post } = await basicClient();
      expectError(
        await post({ scope: 'openid', login_hint: owner.sub, id_token_hint: 'a.b.c' }),
        400,
        'invalid_request',
      );
    });

    it.each(['0', '-5', '1.5', 'ten', '1e3', '1801'])('refuses requested_expiry=%s', async (value) => {
      const { post } = await basicClient();
      expectError(
        await post({ scope: 'openid', login_hint: owner.sub, requested_expiry: value }),
        400,
        'invalid_request',
      );
    });

    describe('client_notification_token', () => {
      const ping = () =>
        basicClient({ backchannelTokenDeliveryMode: 'ping', backchannelClientNotificationEndpoint: 'https://rp/cb' });

      it('is required from ping clients', async () => {
        const { post } = await ping();
        expectError(await post({ scope: 'openid', login_hint: owner.sub }), 400, 'invalid_request');
      });

      it('is refused when longer than 1024 characters', async () => {
        const { post } = await ping();
        const res = await post({ scope: 'openid', login_hint: owner.sub, client_notification_token: 'a'.repeat(1025) });
        expectError(res, 400, 'invalid_request');
      });

      it('is refused when it is not RFC 6750 b64token syntax', async () => {
        const { post } = await ping();
        const res = await post({ scope: 'openid', login_hint: owner.sub, client_notification_token: 'has space' });
        expectError(res, 400, 'invalid_request');
      });

      it('accepts 1024 characters', async () => {
        const { post } = await ping();
        const res = await post({ scope: 'openid', login_hint: owner.sub, client_notification_token: 'a'.repeat(1024) });
        expect(res.status).toBe(200);
      });
    });

    describe('authorization_details (RFC 9396)', () => {
      it.each([
        ['not JSON', '[{'],
        ['not an array', '{"type":"a"}'],
        ['an entry without type', '[{"vin":"x"}]'],
        ['a non-object entry', '["a"]'],
        ['an empty array', '[]'],
      ])('answers invalid_authorization_details for %s', async (_name, value) => {
        const { post } = await basicClient();
        const res = await post({ scope: 'openid', login_hint: owner.sub, authorization_details: value });
        expectError(res, 400, 'invalid_authorization_details');
      });

      it('refuses a type outside the configured list', async () => {
        const strict = await createHarness({ authorizationDetailsTypesSupported: ['vehicle_unlock'] });
        const who = await saveOwner(strict.ctx);
        const { client, secret } = await secretClient(strict.ctx);
        const send = (type: string) =>
          handleBackchannelAuthentication(
            strict.ctx,
            formRequest(
              { scope: 'openid', login_hint: who.sub, authorization_details: JSON.stringify([{ type }]) },
              { authorization: basicAuth(client.clientId, secret) },
            ),
          );
        expectError(await send('payment_initiation'), 400, 'invalid_authorization_details');
        expect((await send('vehicle_unlock')).status).toBe(200);
      });
    });
  });

  describe('hints (CIBA §7.1, §7.2-4)', () => {
    it('accepts login_hint as email, phone number, username or sub', async () => {
      const { post } = await basicClient();
      for (const hint of [owner.email!.toUpperCase(), owner.username!, owner.sub]) {
        expect((await post({ scope: 'openid', login_hint: hint })).status).toBe(200);
      }
    });

    it('answers unknown_user_id for an unknown login_hint', async () => {
      const { post } = await basicClient();
      expectError(await post({ scope: 'openid', login_hint: 'nobody@example.test' }), 400, 'unknown_user_id');
    });

    it('answers unknown_user_id for a disabled owner', async () => {
      const disabled = await saveOwner(h.ctx, { disabled: true });
      const { post } = await basicClient();
      expectError(await post({ scope: 'openid', login_hint: disabled.sub }), 400, 'unknown_user_id');
    });

    describe('login_hint_token', () => {
      const token = (claims: JWTPayload, key = hintKey) =>
        signJwt(key, { iss: HINT_ISSUER, iat: seconds(), exp: seconds() + 120, ...claims });

      it('is accepted from a trusted issuer, by sub', async () => {
        const { post } = await basicClient();
        const res = await post({ scope: 'openid', login_hint_token: await token({ sub: owner.sub }) });
        expect(res.status).toBe(200);
        expect(h.ownerSignals).toEqual([owner.sub]);
      });

      it('is accepted by email claim and by RFC 9493 sub_id', async () => {
        const { post } = await basicClient();
        expect((await post({ scope: 'openid', login_hint_token: await token({ email: owner.email }) })).status).toBe(
          200,
        );
        const subId = { format: 'phone_number', phone_number: owner.phoneNumber };
        expect((await post({ scope: 'openid', login_hint_token: await token({ sub_id: subId }) })).status).toBe(200);
      });

      it('is verified with keys fetched from the issuer jwks_uri', async () => {
        const { post } = await basicClient();
        const lht = await signJwt(remoteHintKey, { iss: REMOTE_HINT_ISSUER, sub: owner.sub, exp: seconds() + 60 });
        expect((await post({ scope: 'openid', login_hint_token: lht })).status).toBe(200);
      });

      it('answers expired_login_hint_token when it has expired', async () => {
        const { post } = await basicClient();
        const lht = await token({ sub: owner.sub, iat: seconds() - 600, exp: seconds() - 300 });
        expectError(await post({ scope: 'openid', login_hint_token: lht }), 400, 'expired_login_hint_token');
      });

      it('is refused with invalid_request when signed by an unpublished key', async () => {
        const { post } = await basicClient();
        const lht = await token({ sub: owner.sub }, await makeKey());
        expectError(await post({ scope: 'openid', login_hint_token: lht }), 400, 'invalid_request');
      });

      it('is refused with invalid_request from an untrusted issuer', async () => {
        const { post } = await basicClient();
        const lht = await token({ iss: 'https://evil.example', sub: owner.sub });
        expectError(await post({ scope: 'openid', login_hint_token: lht }), 400, 'invalid_request');
      });

      it('is refused with invalid_request when not a JWT', async () => {
        const { post } = await basicClient();
        expectError(await post({ scope: 'openid', login_hint_token: 'garbage' }), 400, 'invalid_request');
      });

      it('answers unknown_user_id when it names no owner', async () => {
        const { post } = await basicClient();
        const lht = await token({ sub: 'no-such-subject' });
        expectError(await post({ scope: 'openid', login_hint_token: lht }), 400, 'unknown_user_id');
      });
    });

    describe('id_token_hint', () => {
      const idToken = (client: Client, claims: JWTPayload = {}, typ?: string) =>
        h.ctx.keys.sign(
          { iss: ISSUER, sub: owner.sub, aud: client.clientId, iat: seconds(), exp: seconds() + 600, ...claims },
          typ ? { typ } : {},
        );

      it('is accepted when we issued it to this client', async () => {
        const { client, post } = await basicClient();
        expect((await post({ scope: 'openid', id_token_hint: await idToken(client) })).status).toBe(200);
      });

      it('is accepted after expiry within idTokenHintMaxAge, refused beyond it', async () => {
        const { client, post } = await basicClient();
        const hint = await idToken(client);
        h.clock.advance(600 + h.ctx.settings.idTokenHintMaxAge - 60);
        expect((await post({ scope: 'openid', id_token_hint: hint })).status).toBe(200);
        h.clock.advance(120);
        expectError(await post({ scope: 'openid', id_token_hint: hint }), 400, 'invalid_request');
      });

      it('is refused when issued to another client', async () => {
        const { post } = await basicClient();
        const other = await basicClient();
        expectError(
          await post({ scope: 'openid', id_token_hint: await idToken(other.client) }),
          400,
          'invalid_request',
        );
      });

      it('is refused when it is an access token', async () => {
        const { client, post } = await basicClient();
        const at = await idToken(client, {}, 'at+jwt');
        expectError(await post({ scope: 'openid', id_token_hint: at }), 400, 'invalid_request');
      });

      it('is refused when not signed by us', async () => {
        const { client, post } = await basicClient();
        const forged = await signJwt(await makeKey(), {
          iss: ISSUER,
          sub: owner.sub,
          aud: client.clientId,
          exp: seconds() + 60,
        });
        expectError(await post({ scope: 'openid', id_token_hint: forged }), 400, 'invalid_request');
      });

      it('answers unknown_user_id when the subject no longer exists', async () => {
        const { client, post } = await basicClient();
        const hint = await idToken(client, { sub: 'gone' });
        expectError(await post({ scope: 'openid', id_token_hint: hint }), 400, 'unknown_user_id');
      });
    });
  });

  describe('user_code (CIBA §7.1.2)', () => {
    let coded: Owner;
    beforeAll(async () => {
      coded = await saveOwner(h.ctx, { userCodeHash: await hashUserCode('4711') });
    });

    it('is accepted when it matches the owner code', async () => {
      const { post } = await basicClient({ backchannelUserCodeParameter: true });
      expect((await post({ scope: 'openid', login_hint: coded.sub, user_code: '4711' })).status).toBe(200);
    });

    it('answers missing_user_code when absent', async () => {
      const { post } = await basicClient({ backchannelUserCodeParameter: true });
      expectError(await post({ scope: 'openid', login_hint: coded.sub }), 400, 'missing_user_code');
    });

    it('answers invalid_user_code when wrong, and creates no request', async () => {
      const { post } = await basicClient({ backchannelUserCodeParameter: true });
      expectError(await post({ scope: 'openid', login_hint: coded.sub, user_code: '0000' }), 400, 'invalid_user_code');
      expect(h.notified).toHaveLength(0);
    });

    it('answers invalid_user_code when the owner has set no code', async () => {
      const { post } = await basicClient({ backchannelUserCodeParameter: true });
      expectError(await post({ scope: 'openid', login_hint: owner.sub, user_code: '4711' }), 400, 'invalid_user_code');
    });

    it('is not required from clients that did not register for it', async () => {
      const { post } = await basicClient();
      expect((await post({ scope: 'openid', login_hint: coded.sub })).status).toBe(200);
    });
  });

  describe('binding_message (CIBA §7.1)', () => {
    it.each([
      ['longer than the policy allows', 'A'.repeat(121)],
      ['with control characters', 'pay\u0000\u001b[2J'],
      ['with a bidi override', 'pay \u202Eevil'],
      ['blank', '   '],
    ])('answers invalid_binding_message when %s', async (_name, message) => {
      const { post } = await basicClient();
      expectError(
        await post({ scope: 'openid', login_hint: owner.sub, binding_message: message }),
        400,
        'invalid_binding_message',
      );
    });

    it('accepts exactly the maximum length counted in characters', async () => {
      const { post } = await basicClient();
      const res = await post({ scope: 'openid', login_hint: owner.sub, binding_message: '🚗'.repeat(120) });
      expect(res.status).toBe(200);
    });
  });

  describe('access policy (CIBA §13 access_denied)', () => {
    it('answers access_denied with 403 for an owner without an authentication device, and creates no request', async () => {
      const unreachable = await saveOwner(h.ctx, {}, { device: false });
      const { post } = await basicClient();
      const res = await post({ scope: 'openid', login_hint: unreachable.email! });
      expectError(res, 403, 'access_denied');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await h.ctx.stores.authRequests.listPendingForOwner(unreachable.sub, h.clock.now())).toEqual([]);
      expect(h.notified).toHaveLength(0);
      expect(h.ownerSignals).toHaveLength(0);
    });

    it('answers access_denied when every device of the owner is disabled', async () => {
      const unreachable = await saveOwner(h.ctx, {}, { device: { disabled: true } });
      const { post } = await basicClient();
      expectError(await post({ scope: 'openid', login_hint: unreachable.sub }), 403, 'access_denied');
    });

    it('reports a wrong user_code or binding_message before the access decision', async () => {
      const unreachable = await saveOwner(h.ctx, { userCodeHash: await hashUserCode('4711') }, { device: false });
      const coded = await basicClient({ backchannelUserCodeParameter: true });
      expectError(
        await coded.post({ scope: 'openid', login_hint: unreachable.sub, user_code: '0000' }),
        400,
        'invalid_user_code',
      );
      const { post } = await basicClient();
      expectError(
        await post({ scope: 'openid', login_hint: unreachable.sub, binding_message: ' ' }),
        400,
        'invalid_binding_message',
      );
    });

    it('gives a replaced hook the owner, the client and the checked parameters', async () => {
      const { client, post } = await basicClient();
      const seen: unknown[] = [];
      const res = await post(
        {
          scope: 'openid',
          login_hint: owner.email!,
          binding_message: 'K7-42',
          acr_values: 'urn:onboard:acr:device',
          requested_expiry: '60',
        },
        {
          authorizeRequest: async (_ctx, who, by, request) => {
            seen.push({ sub: who.sub, clientId: by.clientId, request });
            throw new AccessDenied('the owner has blocked this client');
          },
        },
      );
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'access_denied', error_description: 'the owner has blocked this client' });
      expect(seen).toEqual([
        {
          sub: owner.sub,
          clientId: client.clientId,
          request: {
            scope: 'openid',
            acrValues: ['urn:onboard:acr:device'],
            bindingMessage: 'K7-42',
            authorizationDetails: undefined,
            expiresIn: 60,
          },
        },
      ]);
      expect(h.notified).toHaveLength(0);
    });
  });

  describe('dpop_jkt (RFC 9449 §10 applied to CIBA)', () => {
    const JKT = sha256('the device signing key');

    it('is stored on the request when sent inside the signed request object', async () => {
      const c = await signingClient('ES256');
      const res = await c.post({
        request: await c.requestObject({ scope: 'openid', login_hint: owner.sub, dpop_jkt: JKT }),
      });
      expect(res.status).toBe(200);
      const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(
        sha256((res.body as { auth_req_id: string }).auth_req_id),
      );
      expect(stored?.dpopJkt).toBe(JKT);
    });

    it('is accepted as a form parameter of an unsigned request', async () => {
      const { post } = await basicClient();
      const res = await post({ scope: 'openid', login_hint: owner.sub, dpop_jkt: JKT });
      expect(res.status).toBe(200);
      const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(
        sha256((res.body as { auth_req_id: string }).auth_req_id),
      );
      expect(stored?.dpopJkt).toBe(JKT);
    });

    it('is refused beside a signed request object, like every authentication parameter', async () => {
      const c = await signingClient('ES256');
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub });
      expectError(await c.post({ request, dpop_jkt: JKT }), 400, 'invalid_request');
    });

    it('must be a 43-character base64url SHA-256 thumbprint', async () => {
      const c = await signingClient('ES256');
      for (const bad of [JKT.slice(1), `${JKT}A`, `${JKT.slice(1)}=`, `${JKT.slice(1)}+`, 42]) {
        const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub, dpop_jkt: bad });
        expectError(await c.post({ request }), 400, 'invalid_request');
      }
    });

    it('is required from a push client registered with dpop_bound_access_tokens', async () => {
      const push = {
        backchannelTokenDeliveryMode: 'push' as const,
        backchannelClientNotificationEndpoint: 'https://rp.example.test/cb',
      };
      const bound = await signingClient('ES256', { ...push, dpopBoundAccessTokens: true });
      const params = { scope: 'openid', login_hint: owner.sub, client_notification_token: 'cnt-0123456789' };
      const missing = await bound.post({ request: await bound.requestObject(params) });
      expectError(missing, 400, 'invalid_request');
      expect((missing.body as { error_description: string }).error_description).toContain('dpop_jkt');
      expect((await bound.post({ request: await bound.requestObject({ ...params, dpop_jkt: JKT }) })).status).toBe(200);
      const unbound = await signingClient('ES256', push);
      expect((await unbound.post({ request: await unbound.requestObject(params) })).status).toBe(200);
    });
  });

  describe('signed authentication request (CIBA §7.1.1)', () => {
    it('is accepted, with requested_expiry as a number or a string, and its hash recorded', async () => {
      const c = await signingClient('ES256');
      for (const requestedExpiry of [60, '61']) {
        const request = await c.requestObject({
          scope: 'openid',
          login_hint: owner.sub,
          requested_expiry: requestedExpiry,
        });
        const res = await c.post({ request });
        expect(res.status).toBe(200);
        const body = res.body as { auth_req_id: string; expires_in: number };
        expect(body.expires_in).toBe(Number(requestedExpiry));
        const stored = await h.ctx.stores.authRequests.findByAuthReqIdHash(sha256(body.auth_req_id));
        expect(stored?.requestObjectHash).toBe(sha256(request));
      }
    });

    it('accepts authorization_details as a JSON array claim', async () => {
      const c = await signingClient('ES256');
      const details = [{ type: 'vehicle_unlock' }];
      const res = await c.post({
        request: await c.requestObject({ scope: 'openid', login_hint: owner.sub, authorization_details: details }),
      });
      expect(res.status).toBe(200);
    });

    it('is accepted from a FAPI-CIBA client with PS256 and a binding message', async () => {
      const c = await signingClient('PS256', { fapiCiba: true, tokenEndpointAuthSigningAlg: 'PS256' });
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub, binding_message: 'A1B2' });
      expect((await c.post({ request })).status).toBe(200);
    });

    it('requires a binding message from a FAPI-CIBA client', async () => {
      const c = await signingClient('PS256', { fapiCiba: true });
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub });
      expectError(await c.post({ request }), 400, 'invalid_binding_message');
    });

    it('requires a signed request from a FAPI-CIBA client', async () => {
      const c = await signingClient('PS256', { fapiCiba: true, backchannelAuthenticationRequestSigningAlg: undefined });
      expectError(
        await c.post({ scope: 'openid', login_hint: owner.sub, binding_message: 'A1' }),
        400,
        'invalid_request',
      );
    });

    it('requires a signed request from a client that registered a signing alg', async () => {
      const c = await signingClient('ES256');
      expectError(await c.post({ scope: 'openid', login_hint: owner.sub }), 400, 'invalid_request');
    });

    it('refuses a signed request from a client that registered no signing alg', async () => {
      const c = await signingClient('ES256', { backchannelAuthenticationRequestSigningAlg: undefined });
      expectError(
        await c.post({ request: await c.requestObject({ scope: 'openid', login_hint: owner.sub }) }),
        400,
        'invalid_request',
      );
    });

    it('refuses authentication parameters beside the request object', async () => {
      const c = await signingClient('ES256');
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub });
      expectError(await c.post({ request, binding_message: 'outside' }), 400, 'invalid_request');
    });

    it('refuses the same jti twice', async () => {
      const c = await signingClient('ES256');
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub });
      expect((await c.post({ request })).status).toBe(200);
      expectError(await c.post({ request }), 400, 'invalid_request');
    });

    it('refuses an encrypted (JWE) request object', async () => {
      const c = await signingClient('ES256');
      expectError(await c.post({ request: 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d' }), 400, 'invalid_request');
    });

    it('refuses alg none', async () => {
      const c = await signingClient('ES256');
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const n = seconds();
      const unsigned = `${enc({ alg: 'none' })}.${enc({ iss: c.client.clientId, aud: ISSUER, scope: 'openid', login_hint: owner.sub, iat: n, nbf: n, exp: n + 60, jti: 'x' })}.`;
      expectError(await c.post({ request: unsigned }), 400, 'invalid_request');
    });

    it('refuses HS256 even with a guessable key', async () => {
      const c = await signingClient('ES256');
      const n = seconds();
      const hs = await new SignJWT({
        iss: c.client.clientId,
        aud: ISSUER,
        scope: 'openid',
        login_hint: owner.sub,
        iat: n,
        nbf: n,
        exp: n + 60,
        jti: randomUUID(),
      })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('x'.repeat(32)));
      expectError(await c.post({ request: hs }), 400, 'invalid_request');
    });

    it('refuses an alg other than the registered one', async () => {
      const c = await signingClient('ES256');
      const ps = await makeKey('PS256');
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub }, {}, ps);
      expectError(await c.post({ request }), 400, 'invalid_request');
    });

    it('refuses RS256 under FAPI-CIBA even when registered', async () => {
      const rs = await makeKey('RS256');
      const c = await signingClient('PS256', { fapiCiba: true, backchannelAuthenticationRequestSigningAlg: 'RS256' });
      await h.ctx.stores.clients.save({ ...c.client, jwks: { keys: [c.key.publicJwk, rs.publicJwk] } });
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub, binding_message: 'x' }, {}, rs);
      const res = await c.post({ request });
      expectError(res, 400, 'invalid_request');
      expect((res.body as { error_description: string }).error_description).toMatch(/PS256 or ES256/);
    });

    it('refuses a request object signed by another key', async () => {
      const c = await signingClient('ES256');
      const request = await c.requestObject({ scope: 'openid', login_hint: owner.sub }, {}, await makeKey('ES256'));
      expectError(await c.post({ request }), 400, 'invalid_request');
    });

    it.each([
      ['aud is not the issuer', { aud: ISSUER + '/backchannel' }],
      ['iss is another client', { iss: 'someone-else' }],
      ['client_id is another client', { client_id: 'someone-else' }],
      ['exp is missing', { exp: undefined }],
      ['iat is missing', { iat: undefined }],
      ['nbf is missing', { nbf: undefined }],
      ['jti is missing', { jti: undefined }],
      ['it has expired', { exp: 1 }],
      ['nbf is 10 minutes ahead', { nbfOffset: 600 }],
      ['exp - nbf exceeds 60 minutes', { expOffset: 70 * 60 }],
      ['nbf is 70 minutes old', { nbfOffset: -70 * 60 }],
    ])('refuses a request object whose %s', async (_name, change: Record<string, unknown>) => {
      const c = await signingClient('ES256');
      const n = seconds();
      const claims: JWTPayload = { scope: 'openid', login_hint: owner.sub };
      for (const [k, v] of Object.entries(change)) {
        if (k === 'nbfOffset') claims.nbf = n + (v as number);
        else if (k === 'expOffset') claims.exp = n + (v as number);
        else claims[k] = v;
      }
      const request = await c.requestObject(claims);
      // jose drops undefined claims, so "missing" really is missing.
      expectError(await c.post({ request }), 400, 'invalid_request');
    });

    it('applies the parameter checks to the claims inside', async () => {
      const c = await signingClient('ES256');
      const noOpenid = await c.requestObject({ scope: 'profile', login_hint: owner.sub });
      expectError(await c.post({ request: noOpenid }), 400, 'invalid_scope');
      const numericHint = await c.requestObject({ scope: 'openid', login_hint: 42 });
      expectError(await c.post({ request: numericHint }), 400, 'invalid_request');
      const badExpiry = await c.requestObject({ scope: 'openid', login_hint: owner.sub, requested_expiry: 1.5 });
      expectError(await c.post({ request: badExpiry }), 400, 'invalid_request');
    });
  });
});
