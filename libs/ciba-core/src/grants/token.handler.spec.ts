import { compactDecrypt, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { handleToken } from './token.handler';
import { TEST_ISSUER, formPost, pendingRequest, secretHash, testClient, testContext } from './testing.helper';
import { dpopTestKey } from '../dpop/dpop-proof.testing';
import type { Client } from '../domain/client';
import type { ProviderContext } from '../context';
import type { ProviderSettings } from '../settings';
import { AUTH_REQ_ID_CLAIM, GRANT_ID_CLAIM } from '../tokens/issue-tokens';
import { sha256Base64url } from '../tokens/token-hashes';

const CIBA = 'urn:openid:params:grant-type:ciba';
const tokenUrl = `${TEST_ISSUER}/token`;
const SECRET = 'secret-1';

async function setup(settings: Partial<ProviderSettings> = { longPollSeconds: 0 }, client: Partial<Client> = {}) {
  const ctx = await testContext(settings);
  await ctx.stores.owners.save({ sub: 'alice', disabled: false, createdAt: 0 });
  await ctx.stores.clients.save(testClient({ clientSecretHash: secretHash(SECRET), ...client }));
  await ctx.stores.clients.save(
    testClient({ clientId: 'client-2', clientSecretHash: secretHash(SECRET), backchannelTokenDeliveryMode: 'ping' }),
  );
  return ctx;
}

function token(
  ctx: ProviderContext,
  params: Record<string, string>,
  clientId = 'client-1',
  headers: Record<string, string> = {},
) {
  return handleToken(ctx, formPost(tokenUrl, params, { clientId, secret: SECRET }, headers));
}

const ciba = (authReqId: string) => ({ grant_type: CIBA, auth_req_id: authReqId });

async function approve(ctx: ProviderContext, id: string) {
  const now = ctx.clock.now();
  await ctx.stores.authRequests.transition(id, 'pending', {
    status: 'approved',
    authTime: now - 1000,
    acr: 'urn:onboard:acr:passkey',
    amr: ['hwk'],
  });
  ctx.signals.authRequestCompleted(id);
}

describe('handleToken: dispatch', () => {
  it('answers invalid_client (401) when client authentication fails', async () => {
    const ctx = await setup();
    const res = await handleToken(ctx, formPost(tokenUrl, ciba('x'), { clientId: 'client-1', secret: 'wrong' }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
  });

  it('answers invalid_request without grant_type', async () => {
    const ctx = await setup();
    const res = await token(ctx, { auth_req_id: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
  });

  it('answers unsupported_grant_type for an unknown grant', async () => {
    const ctx = await setup();
    const res = await token(ctx, { grant_type: 'password' });
    expect(res.body).toMatchObject({ error: 'unsupported_grant_type' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers unauthorized_client when the client is not registered for the grant', async () => {
    const ctx = await setup({ longPollSeconds: 0 }, { grantTypes: [CIBA] });
    const res = await token(ctx, { grant_type: 'refresh_token', refresh_token: 'x' });
    expect(res.body).toMatchObject({ error: 'unauthorized_client' });
  });
});

describe('handleToken: CIBA grant', () => {
  it('answers unauthorized_client to a push-mode client', async () => {
    const ctx = await setup({ longPollSeconds: 0 }, { backchannelTokenDeliveryMode: 'push' });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'push-1', { deliveryMode: 'push' }));
    const res = await token(ctx, ciba('push-1'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'unauthorized_client' });
  });

  it('answers invalid_request without auth_req_id', async () => {
    const ctx = await setup();
    expect((await token(ctx, { grant_type: CIBA })).body).toMatchObject({ error: 'invalid_request' });
  });

  it('answers invalid_grant for an unknown auth_req_id', async () => {
    const ctx = await setup();
    expect((await token(ctx, ciba('nope'))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it("answers invalid_grant for another client's auth_req_id", async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'a1'));
    await approve(ctx, 'req-a1');
    const res = await token(ctx, ciba('a1'), 'client-2');
    expect(res.body).toMatchObject({ error: 'invalid_grant' });
    expect((await ctx.stores.authRequests.find('req-a1'))?.status).toBe('approved');
  });

  it('answers authorization_pending while the owner has not decided', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'p1'));
    const res = await token(ctx, ciba('p1'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'authorization_pending' });
    expect((await ctx.stores.authRequests.find('req-p1'))?.lastPolledAt).toBe(ctx.clock.now());
  });

  it('answers slow_down to a poll sooner than the interval, and the grown interval stays', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 's1', { interval: 2 }));
    expect((await token(ctx, ciba('s1'))).body).toMatchObject({ error: 'authorization_pending' });
    ctx.clock.advance(1000);
    expect((await token(ctx, ciba('s1'))).body).toMatchObject({ error: 'slow_down' });
    expect((await ctx.stores.authRequests.find('req-s1'))?.interval).toBe(7);
    ctx.clock.advance(6000); // longer than the original 2 s, shorter than the grown 7 s
    expect((await token(ctx, ciba('s1'))).body).toMatchObject({ error: 'slow_down' });
    expect((await ctx.stores.authRequests.find('req-s1'))?.interval).toBe(12);
    ctx.clock.advance(12_000);
    expect((await token(ctx, ciba('s1'))).body).toMatchObject({ error: 'authorization_pending' });
    expect((await ctx.stores.authRequests.find('req-s1'))?.interval).toBe(12);
  });

  it('does not answer slow_down to a ping-mode client', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'pg', { clientId: 'client-2', deliveryMode: 'ping' }));
    expect((await token(ctx, ciba('pg'), 'client-2')).body).toMatchObject({ error: 'authorization_pending' });
    expect((await token(ctx, ciba('pg'), 'client-2')).body).toMatchObject({ error: 'authorization_pending' });
  });

  it('answers expired_token once the request has expired, by time or by status', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'e1', { expiresAt: ctx.clock.now() }));
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'e2', { status: 'expired' }));
    expect((await token(ctx, ciba('e1'))).body).toMatchObject({ error: 'expired_token' });
    expect((await token(ctx, ciba('e2'))).body).toMatchObject({ error: 'expired_token' });
  });

  it('answers access_denied with HTTP 400 when the owner denied', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'd1', { status: 'denied' }));
    const res = await token(ctx, ciba('d1'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'access_denied' });
  });

  it('issues tokens once for an approved request, then answers invalid_grant', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'ok1'));
    await approve(ctx, 'req-ok1');
    const res = await token(ctx, ciba('ok1'));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.body as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile', expires_in: 600 });
    const idToken = decodeJwt(body.id_token as string);
    expect(idToken[AUTH_REQ_ID_CLAIM]).toBe('ok1');
    expect(idToken.acr).toBe('urn:onboard:acr:passkey');
    expect(idToken.auth_time).toBe(Math.floor((ctx.clock.now() - 1000) / 1000));
    expect(typeof body.refresh_token).toBe('string');
    const stored = await ctx.stores.authRequests.find('req-ok1');
    expect(stored).toMatchObject({ status: 'consumed', consumedAt: ctx.clock.now() });
    const audit = await ctx.stores.audit.list({ authRequestId: 'req-ok1' });
    expect(audit.map((e) => e.type)).toContain('tokens.issued');
    expect(JSON.stringify(audit)).not.toContain(body.access_token as string);
    expect((await token(ctx, ciba('ok1'))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it('reports the approval-to-token latency', async () => {
    const ctx = await setup();
    const observed: [string, number][] = [];
    ctx.metrics = { outcome() {}, observe: (name, seconds) => void observed.push([name, seconds]) };
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'm1'));
    await approve(ctx, 'req-m1');
    expect((await token(ctx, ciba('m1'))).status).toBe(200);
    expect(observed).toEqual([['approval_to_token_seconds', 1]]);
  });

  it('gives tokens to exactly one of two concurrent requests for the same approval', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'race'));
    await approve(ctx, 'req-race');
    const results = await Promise.all([token(ctx, ciba('race')), token(ctx, ciba('race'))]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('holds a long poll and answers with tokens as soon as the owner approves', async () => {
    const ctx = await setup({ longPollSeconds: 5 });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'lp'));
    setTimeout(() => void approve(ctx, 'req-lp'), 10);
    const res = await token(ctx, ciba('lp'));
    expect(res.status).toBe(200);
    expect(ctx.signals.waits).toEqual([{ id: 'req-lp', ms: 5000 }]);
  });

  it('bounds a long poll by the time left before the request expires', async () => {
    const ctx = await setup({ longPollSeconds: 30 });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'lp2', { expiresAt: ctx.clock.now() + 3000 }));
    const res = await token(ctx, ciba('lp2'));
    expect(res.body).toMatchObject({ error: 'authorization_pending' });
    expect(ctx.signals.waits).toEqual([{ id: 'req-lp2', ms: 3000 }]);
  });

  it('answers access_denied when the owner denies during a long poll', async () => {
    const ctx = await setup({ longPollSeconds: 5 });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'lp3'));
    setTimeout(() => {
      void ctx.stores.authRequests
        .transition('req-lp3', 'pending', { status: 'denied' })
        .then(() => ctx.signals.authRequestCompleted('req-lp3'));
    }, 10);
    expect((await token(ctx, ciba('lp3'))).body).toMatchObject({ error: 'access_denied' });
  });

  it('counts a long poll from its start when checking the interval', async () => {
    const ctx = await setup({ longPollSeconds: 5 });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'lp4', { interval: 2 }));
    const started = ctx.clock.now();
    setTimeout(() => ctx.clock.advance(5000), 5); // time passes while the request waits
    expect((await token(ctx, ciba('lp4'))).body).toMatchObject({ error: 'authorization_pending' });
    expect((await ctx.stores.authRequests.find('req-lp4'))?.lastPolledAt).toBe(started);
  });
});

describe('handleToken: DPoP', () => {
  it('binds CIBA tokens to the key of the DPoP proof', async () => {
    const ctx = await setup();
    const key = await dpopTestKey();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'dp1'));
    await approve(ctx, 'req-dp1');
    const proof = await key.proof({ htm: 'POST', htu: tokenUrl, iat: ctx.clock.now() / 1000 });
    const res = await token(ctx, ciba('dp1'), 'client-1', { dpop: proof });
    const body = res.body as Record<string, string>;
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it('answers invalid_dpop_proof (400) when a dpop_bound_access_tokens client sends no proof', async () => {
    const ctx = await setup({ longPollSeconds: 0 }, { dpopBoundAccessTokens: true });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'dp2'));
    await approve(ctx, 'req-dp2');
    const res = await token(ctx, ciba('dp2'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_dpop_proof' });
    expect((await ctx.stores.authRequests.find('req-dp2'))?.status).toBe('approved');
  });

  it('answers invalid_dpop_proof for a proof made for another endpoint', async () => {
    const ctx = await setup();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'POST', htu: `${TEST_ISSUER}/backchannel`, iat: ctx.clock.now() / 1000 });
    const res = await token(ctx, ciba('whatever'), 'client-1', { dpop: proof });
    expect(res.body).toMatchObject({ error: 'invalid_dpop_proof' });
  });
});

describe('handleToken: refresh-token grant', () => {
  async function issued(ctx: ProviderContext, authReqId: string, headers: Record<string, string> = {}) {
    await ctx.stores.authRequests.create(pendingRequest(ctx, authReqId));
    await approve(ctx, `req-${authReqId}`);
    const res = await token(ctx, ciba(authReqId), 'client-1', headers);
    expect(res.status).toBe(200);
    return res.body as Record<string, string>;
  }
  const refresh = (rt: string, extra: Record<string, string> = {}) => ({
    grant_type: 'refresh_token',
    refresh_token: rt,
    ...extra,
  });

  it('rotates the refresh token within the family and issues a new ID token with the original auth_time', async () => {
    const ctx = await setup();
    const first = await issued(ctx, 'r1');
    const authTime = decodeJwt(first.id_token).auth_time;
    ctx.clock.advance(60_000);
    const res = await token(ctx, refresh(first.refresh_token));
    expect(res.status).toBe(200);
    const second = res.body as Record<string, string>;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decodeJwt(second.id_token).auth_time).toBe(authTime);
    expect(decodeJwt(second.id_token).iat).toBeGreaterThan(decodeJwt(first.id_token).iat!);
    expect(decodeJwt(second.access_token)[GRANT_ID_CLAIM]).toBe(decodeJwt(first.access_token)[GRANT_ID_CLAIM]);
    const old = await ctx.stores.refreshTokens.find(sha256Base64url(first.refresh_token));
    expect(old?.usedAt).toBe(ctx.clock.now());
  });

  it('revokes the whole family, and its access tokens, when a rotated token is used again', async () => {
    const ctx = await setup();
    const first = await issued(ctx, 'r2');
    const second = (await token(ctx, refresh(first.refresh_token))).body as Record<string, string>;
    const reuse = await token(ctx, refresh(first.refresh_token));
    expect(reuse.body).toMatchObject({ error: 'invalid_grant' });
    const family = decodeJwt(second.access_token)[GRANT_ID_CLAIM] as string;
    expect(await ctx.stores.revocations.isFamilyRevoked(family)).toBe(true);
    expect((await token(ctx, refresh(second.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it("answers invalid_grant for another client's refresh token", async () => {
    const ctx = await setup();
    const first = await issued(ctx, 'r3');
    expect((await token(ctx, refresh(first.refresh_token), 'client-2')).body).toMatchObject({ error: 'invalid_grant' });
    expect((await token(ctx, refresh(first.refresh_token))).status).toBe(200);
  });

  it('answers invalid_grant for an unknown or expired refresh token', async () => {
    const ctx = await setup();
    expect((await token(ctx, refresh('unknown'))).body).toMatchObject({ error: 'invalid_grant' });
    const first = await issued(ctx, 'r4');
    ctx.clock.advance(ctx.settings.refreshTokenTtl * 1000);
    expect((await token(ctx, refresh(first.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers invalid_request without refresh_token', async () => {
    const ctx = await setup();
    expect((await token(ctx, { grant_type: 'refresh_token' })).body).toMatchObject({ error: 'invalid_request' });
  });

  it('lets the scope narrow but not widen', async () => {
    const ctx = await setup();
    const first = await issued(ctx, 'r5');
    const wider = await token(ctx, refresh(first.refresh_token, { scope: 'openid profile email' }));
    expect(wider.body).toMatchObject({ error: 'invalid_scope' });
    const narrower = await token(ctx, refresh(first.refresh_token, { scope: 'openid' }));
    expect(narrower.status).toBe(200);
    const body = narrower.body as Record<string, string>;
    expect(body.scope).toBe('openid');
    expect(decodeJwt(body.access_token).scope).toBe('openid');
    // The rotated refresh token keeps the grant's full scope (RFC 6749 §6).
    expect((await ctx.stores.refreshTokens.find(sha256Base64url(body.refresh_token)))?.scope).toBe('openid profile');
  });

  it('requires a proof with the same key for a DPoP-bound refresh token', async () => {
    const ctx = await setup();
    const key = await dpopTestKey();
    const other = await dpopTestKey();
    const iat = () => ctx.clock.now() / 1000;
    const first = await issued(ctx, 'r6', { dpop: await key.proof({ htm: 'POST', htu: tokenUrl, iat: iat() }) });
    expect((await token(ctx, refresh(first.refresh_token))).body).toMatchObject({ error: 'invalid_dpop_proof' });
    const wrongKey = await token(ctx, refresh(first.refresh_token), 'client-1', {
      dpop: await other.proof({ htm: 'POST', htu: tokenUrl, iat: iat() }),
    });
    expect(wrongKey.body).toMatchObject({ error: 'invalid_grant' });
    const ok = await token(ctx, refresh(first.refresh_token), 'client-1', {
      dpop: await key.proof({ htm: 'POST', htu: tokenUrl, iat: iat() }),
    });
    expect(ok.status).toBe(200);
    expect(decodeJwt((ok.body as Record<string, string>).access_token).cnf).toEqual({ jkt: key.jkt });
  });
});

describe('handleToken: dpop_jkt binding of a CIBA request (RFC 9449 §10)', () => {
  async function boundRequest(ctx: ProviderContext, authReqId: string, jkt: string) {
    await ctx.stores.authRequests.create(
      pendingRequest(ctx, authReqId, { clientId: 'client-2', deliveryMode: 'ping', dpopJkt: jkt }),
    );
    await approve(ctx, `req-${authReqId}`);
  }
  const proofBy = (ctx: ProviderContext, key: Awaited<ReturnType<typeof dpopTestKey>>) =>
    key.proof({ htm: 'POST', htu: tokenUrl, iat: ctx.clock.now() / 1000 });

  it('issues tokens bound to dpop_jkt to a proof made with that key', async () => {
    const ctx = await setup();
    const key = await dpopTestKey();
    await boundRequest(ctx, 'jkt1', key.jkt);
    const res = await token(ctx, ciba('jkt1'), 'client-2', { dpop: await proofBy(ctx, key) });
    expect(res.status).toBe(200);
    const body = res.body as Record<string, string>;
    expect(body.token_type).toBe('DPoP');
    expect(decodeJwt(body.access_token).cnf).toEqual({ jkt: key.jkt });
    expect((await ctx.stores.refreshTokens.find(sha256Base64url(body.refresh_token)))?.jkt).toBe(key.jkt);
  });

  it('answers invalid_dpop_proof without a proof and invalid_grant for another key, consuming nothing', async () => {
    const ctx = await setup();
    const key = await dpopTestKey();
    const other = await dpopTestKey();
    await boundRequest(ctx, 'jkt2', key.jkt);
    const none = await token(ctx, ciba('jkt2'), 'client-2');
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: 'invalid_dpop_proof' });
    const wrong = await token(ctx, ciba('jkt2'), 'client-2', { dpop: await proofBy(ctx, other) });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ error: 'invalid_grant' });
    expect((await ctx.stores.authRequests.find('req-jkt2'))?.status).toBe('approved');
    const ok = await token(ctx, ciba('jkt2'), 'client-2', { dpop: await proofBy(ctx, key) });
    expect(ok.status).toBe(200);
  });
});

describe('handleToken: encrypted token responses (Onboard extension)', () => {
  async function encryptingSetup() {
    const { publicKey, privateKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
    const ctx = await setup(
      { longPollSeconds: 0 },
      {
        jwks: { keys: [{ ...(await exportJWK(publicKey)), use: 'enc', kid: 'enc-1' }] },
        tokenResponseEncryptionAlg: 'ECDH-ES+A256KW',
        tokenResponseEncryptionEnc: 'A256GCM',
      },
    );
    const open = async (body: unknown) => {
      expect(Object.keys(body as object)).toEqual(['encrypted_token_response']);
      const jwe = (body as { encrypted_token_response: string }).encrypted_token_response;
      return JSON.parse(new TextDecoder().decode((await compactDecrypt(jwe, privateKey)).plaintext)) as Record<
        string,
        string
      >;
    };
    return { ctx, open };
  }

  it('answers a CIBA token request and a refresh with one JWE each, no-store', async () => {
    const { ctx, open } = await encryptingSetup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'enc1'));
    await approve(ctx, 'req-enc1');
    const res = await token(ctx, ciba('enc1'));
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const tokens = await open(res.body);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 600, scope: 'openid profile' });
    expect(decodeJwt(tokens.id_token)[AUTH_REQ_ID_CLAIM]).toBe('enc1');
    const refreshed = await token(ctx, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(refreshed.status).toBe(200);
    expect((await open(refreshed.body)).refresh_token).not.toBe(tokens.refresh_token);
  });

  it('keeps error responses in clear', async () => {
    const { ctx } = await encryptingSetup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'enc2'));
    const res = await token(ctx, ciba('enc2'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'authorization_pending' });
  });

  it('answers server_error before consuming the request when the client key set cannot be loaded', async () => {
    const ctx = await setup(
      { longPollSeconds: 0 },
      { jwksUri: 'https://rp.example.test/jwks', tokenResponseEncryptionAlg: 'ECDH-ES+A256KW' },
    );
    ctx.http = { send: async () => ({ status: 500, headers: {}, body: '' }) };
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'enc3'));
    await approve(ctx, 'req-enc3');
    const res = await token(ctx, ciba('enc3'));
    expect(res.status).toBe(500);
    expect((await ctx.stores.authRequests.find('req-enc3'))?.status).toBe('approved');
  });
});

describe('handleToken: a replayed auth_req_id (RFC 6749 §4.1.2)', () => {
  const refresh = (rt: string) => ({ grant_type: 'refresh_token', refresh_token: rt });

  it('refuses the replay and revokes the refresh tokens and access tokens issued from the first redemption', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'rp1'));
    await approve(ctx, 'req-rp1');
    const first = (await token(ctx, ciba('rp1'))).body as Record<string, string>;
    const grantId = decodeJwt(first.access_token)[GRANT_ID_CLAIM] as string;
    expect((await ctx.stores.authRequests.find('req-rp1'))?.grantId).toBe(grantId);
    expect(await ctx.stores.revocations.isFamilyRevoked(grantId)).toBe(false);

    const replay = await token(ctx, ciba('rp1'));
    expect(replay.status).toBe(400);
    expect(replay.body).toMatchObject({ error: 'invalid_grant' });

    expect(await ctx.stores.revocations.isFamilyRevoked(grantId)).toBe(true);
    expect((await ctx.stores.refreshTokens.find(sha256Base64url(first.refresh_token)))?.revoked).toBe(true);
    expect((await token(ctx, refresh(first.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
    const [event] = (await ctx.stores.audit.list({ authRequestId: 'req-rp1' })).filter(
      (e) => e.type === 'tokens.revoked',
    );
    expect(event).toMatchObject({
      clientId: 'client-1',
      sub: 'alice',
      data: { reason: 'auth_req_id_replayed', grantId },
    });
  });

  it('refuses a refresh token of the family saved after the replay revoked it', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'rp2'));
    await approve(ctx, 'req-rp2');
    const first = (await token(ctx, ciba('rp2'))).body as Record<string, string>;
    await token(ctx, ciba('rp2'));
    // as if the first redemption's refresh token had been written after the revocation
    const record = (await ctx.stores.refreshTokens.find(sha256Base64url(first.refresh_token)))!;
    await ctx.stores.refreshTokens.save({ ...record, revoked: false });
    expect((await token(ctx, refresh(first.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it("revokes the winner's tokens when two requests redeem the same approval at once", async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'rp4'));
    await approve(ctx, 'req-rp4');
    const results = await Promise.all([token(ctx, ciba('rp4')), token(ctx, ciba('rp4'))]);
    const winner = results.find((r) => r.status === 200)!.body as Record<string, string>;
    expect(results.find((r) => r.status === 400)?.body).toMatchObject({ error: 'invalid_grant' });
    const grantId = decodeJwt(winner.access_token)[GRANT_ID_CLAIM] as string;
    expect(await ctx.stores.revocations.isFamilyRevoked(grantId)).toBe(true);
    expect((await token(ctx, refresh(winner.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
  });

  it('does not revoke anything when another client presents the auth_req_id', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'rp3'));
    await approve(ctx, 'req-rp3');
    const first = (await token(ctx, ciba('rp3'))).body as Record<string, string>;
    expect((await token(ctx, ciba('rp3'), 'client-2')).body).toMatchObject({ error: 'invalid_grant' });
    expect(await ctx.stores.revocations.isFamilyRevoked(decodeJwt(first.access_token)[GRANT_ID_CLAIM] as string)).toBe(
      false,
    );
    expect((await token(ctx, refresh(first.refresh_token))).status).toBe(200);
  });
});

describe('handleToken: a disabled owner', () => {
  const refresh = (rt: string) => ({ grant_type: 'refresh_token', refresh_token: rt });
  const setOwner = (ctx: ProviderContext, patch: { disabled: boolean; disabledAt?: number }) =>
    ctx.stores.owners.save({ sub: 'alice', createdAt: 0, ...patch });

  async function issued(ctx: ProviderContext, authReqId: string) {
    await ctx.stores.authRequests.create(pendingRequest(ctx, authReqId));
    await approve(ctx, `req-${authReqId}`);
    return (await token(ctx, ciba(authReqId))).body as Record<string, string>;
  }

  it('refuses to refresh while the owner is disabled, and after re-enabling', async () => {
    const ctx = await setup();
    const tokens = await issued(ctx, 'd1');
    ctx.clock.advance(1000);
    await setOwner(ctx, { disabled: true, disabledAt: ctx.clock.now() });
    expect((await token(ctx, refresh(tokens.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
    ctx.clock.advance(60_000);
    await setOwner(ctx, { disabled: false, disabledAt: ctx.clock.now() - 60_000 });
    expect((await token(ctx, refresh(tokens.refresh_token))).body).toMatchObject({ error: 'invalid_grant' });
    // nothing was rotated: the refresh token was refused before it was marked used
    expect((await ctx.stores.refreshTokens.find(sha256Base64url(tokens.refresh_token)))?.usedAt).toBeUndefined();
  });

  it('refreshes a grant approved after the owner was enabled again', async () => {
    const ctx = await setup();
    await setOwner(ctx, { disabled: false, disabledAt: ctx.clock.now() - 5_000 });
    const tokens = await issued(ctx, 'd2');
    expect((await token(ctx, refresh(tokens.refresh_token))).status).toBe(200);
  });

  it('answers access_denied for a request approved before the disable, issuing nothing', async () => {
    const ctx = await setup();
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'd3'));
    await approve(ctx, 'req-d3');
    await setOwner(ctx, { disabled: true, disabledAt: ctx.clock.now() });
    const res = await token(ctx, ciba('d3'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'access_denied' });
    ctx.clock.advance(5_000);
    await setOwner(ctx, { disabled: false, disabledAt: ctx.clock.now() - 5_000 });
    await ctx.stores.authRequests.create(pendingRequest(ctx, 'd4'));
    await approve(ctx, 'req-d4');
    await ctx.stores.authRequests.transition('req-d4', 'approved', { authTime: ctx.clock.now() - 10_000 });
    expect((await token(ctx, ciba('d4'))).body).toMatchObject({ error: 'access_denied' });
  });
});
