import { compactDecrypt, decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { sha256Base64url } from '../tokens/token-hashes';
import { createKeyRing } from '../keys/key-ring';
import { createMemoryStores } from '../memory/memory-stores';
import type { KeyRing } from '../ports/key-ring.port';
import { makeClient, makeRequest, testContext, type TestContext } from '../delivery/testing.helper';
import type { AuthRequest } from '../domain/auth-request';
import { Conflict, NotFound } from '../errors/oauth-error';
import { attemptLeaseMs } from '../delivery/notification-message';
import { completeAuthRequest, DEVICE_CREDENTIAL_ACR } from './complete-auth-request';

describe('completeAuthRequest', () => {
  let ctx: TestContext;
  const queued: string[] = [];
  const leasedMessages: unknown[] = [];
  let unsubscribe: () => void;
  let keys: KeyRing;

  beforeAll(async () => {
    const base = testContext();
    keys = await createKeyRing(createMemoryStores().signingKeys, base.clock, base.settings);
  });

  beforeEach(() => {
    ctx = testContext();
    ctx.keys = keys;
    queued.length = 0;
    leasedMessages.length = 0;
    unsubscribe = ctx.signals.onNotificationQueued!((id, leased) => {
      queued.push(id);
      if (leased) leasedMessages.push(leased);
    });
  });

  async function seed(patch: Partial<AuthRequest> = {}, clientPatch = {}): Promise<AuthRequest> {
    const mode = patch.deliveryMode ?? 'poll';
    await ctx.stores.clients.save(
      makeClient({
        backchannelTokenDeliveryMode: mode,
        backchannelClientNotificationEndpoint: mode === 'poll' ? undefined : 'https://rp.example/cb',
        ...clientPatch,
      }),
    );
    const request = makeRequest(ctx.clock.now(), {
      ...(mode === 'poll' ? {} : { clientNotificationToken: 'cnt-secret', deliveryAuthReqId: 'the-auth-req-id' }),
      ...patch,
    });
    await ctx.stores.authRequests.create(request);
    return request;
  }

  const approve = (request: AuthRequest, extra = {}) =>
    completeAuthRequest(ctx, { id: request.id, sub: request.sub, decision: 'approve', deviceId: 'device-1', ...extra });

  const outbox = async () => ctx.stores.outbox.due(Number.MAX_SAFE_INTEGER, 100);

  it('approves a pending poll request, records who and when, and wakes the long poll', async () => {
    const request = await seed();
    const woke = ctx.signals.waitForCompletion(request.id, 60_000);
    const done = await approve(request, { acr: 'urn:onboard:acr:passkey', amr: ['hwk', 'user'] });
    await woke;
    expect(done).toMatchObject({
      status: 'approved',
      approvedBy: 'device-1',
      approvedAt: ctx.clock.now(),
      authTime: ctx.clock.now(),
      acr: 'urn:onboard:acr:passkey',
      amr: ['hwk', 'user'],
    });
    expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('approved');
    expect(await outbox()).toHaveLength(0);
    const audit = await ctx.stores.audit.list({ authRequestId: request.id });
    expect(audit.map((e) => e.type)).toEqual(['auth_request.approved']);
    expect(audit[0].data).toEqual({ deviceId: 'device-1', acr: 'urn:onboard:acr:passkey' });
  });

  it('records the device-credential acr when the device reports none', async () => {
    const request = await seed({ acrValues: ['urn:onboard:acr:passkey'] });
    const done = await approve(request);
    expect(done.acr).toBe(DEVICE_CREDENTIAL_ACR);
    expect((await ctx.stores.authRequests.find(request.id))?.acr).toBe(DEVICE_CREDENTIAL_ACR);
  });

  it('denies a pending request and audits the denial', async () => {
    const request = await seed();
    const done = await completeAuthRequest(ctx, {
      id: request.id,
      sub: 'alice',
      decision: 'deny',
      deviceId: 'device-1',
    });
    expect(done.status).toBe('denied');
    expect(done.authTime).toBeUndefined();
    const audit = await ctx.stores.audit.list({ authRequestId: request.id });
    expect(audit.map((e) => e.type)).toEqual(['auth_request.denied']);
  });

  it('reports a request of another owner as not found', async () => {
    const request = await seed();
    await expect(
      completeAuthRequest(ctx, { id: request.id, sub: 'mallory', decision: 'approve', deviceId: 'd' }),
    ).rejects.toBeInstanceOf(NotFound);
    expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('pending');
  });

  it('reports an unknown request as not found', async () => {
    await expect(
      completeAuthRequest(ctx, { id: 'nope', sub: 'alice', decision: 'approve', deviceId: 'd' }),
    ).rejects.toBeInstanceOf(NotFound);
  });

  it('refuses a second decision with a conflict', async () => {
    const request = await seed();
    await approve(request);
    await expect(
      completeAuthRequest(ctx, { id: request.id, sub: 'alice', decision: 'deny', deviceId: 'd2' }),
    ).rejects.toThrow(new Conflict('the authentication request is already approved'));
  });

  it('lets exactly one of two concurrent decisions win', async () => {
    const request = await seed({ deliveryMode: 'ping' });
    const results = await Promise.allSettled([
      approve(request),
      completeAuthRequest(ctx, { id: request.id, sub: 'alice', decision: 'deny', deviceId: 'd2' }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(Conflict);
    expect(await outbox()).toHaveLength(1);
  });

  it('refuses an expired poll request with a clear conflict', async () => {
    const request = await seed();
    ctx.advance(301_000);
    await expect(approve(request)).rejects.toThrow('the authentication request has expired');
  });

  it('expires an expired ping request and queues the ping so the client learns of it', async () => {
    const request = await seed({ deliveryMode: 'ping' });
    ctx.advance(301_000);
    await expect(approve(request)).rejects.toBeInstanceOf(Conflict);
    expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('expired');
    const [message] = await outbox();
    expect(JSON.parse(message.body)).toEqual({ auth_req_id: 'the-auth-req-id' });
  });

  it('queues a ping callback on approval, leased to the delivery worker of this process, and wakes it', async () => {
    const request = await seed({ deliveryMode: 'ping' });
    const leasedAt = ctx.clock.now();
    await approve(request);
    const [message] = await outbox();
    expect(message).toMatchObject({
      authRequestId: request.id,
      clientId: 'client-1',
      url: 'https://rp.example/cb',
      bearer: 'cnt-secret',
      status: 'pending',
      // The first attempt's lease is written with the message: no other worker takes it meanwhile.
      attempts: 1,
      nextAttemptAt: leasedAt + attemptLeaseMs(ctx.settings),
    });
    // CIBA §10.2: the auth_req_id and nothing else.
    expect(JSON.parse(message.body)).toEqual({ auth_req_id: 'the-auth-req-id' });
    expect(queued).toEqual([message.id]);
    expect(leasedMessages).toEqual([expect.objectContaining({ id: message.id, attempts: 1 })]);
  });

  it('queues a ping callback due at once when no delivery worker of this process listens', async () => {
    unsubscribe();
    const request = await seed({ deliveryMode: 'ping' });
    const now = ctx.clock.now();
    await approve(request);
    const [message] = await outbox();
    expect(message).toMatchObject({ status: 'pending', attempts: 0, nextAttemptAt: now });
    expect(queued).toEqual([]);
  });

  it('queues a ping callback on denial too', async () => {
    const request = await seed({ deliveryMode: 'ping' });
    await completeAuthRequest(ctx, { id: request.id, sub: 'alice', decision: 'deny', deviceId: 'd' });
    const [message] = await outbox();
    expect(JSON.parse(message.body)).toEqual({ auth_req_id: 'the-auth-req-id' });
  });

  it('issues tokens at once in push mode, consumes the request and queues the token response', async () => {
    const request = await seed(
      { deliveryMode: 'push', acrValues: ['urn:onboard:acr:passkey'] },
      { grantTypes: ['urn:openid:params:grant-type:ciba', 'refresh_token'] },
    );
    const done = await approve(request, { acr: 'urn:onboard:acr:passkey' });
    expect(done.status).toBe('consumed');
    expect(done.consumedAt).toBe(ctx.clock.now());
    const [message] = await outbox();
    const body = JSON.parse(message.body);
    expect(body.auth_req_id).toBe('the-auth-req-id');
    expect(body.token_type).toBe('Bearer');
    expect(typeof body.access_token).toBe('string');
    expect(typeof body.refresh_token).toBe('string');
    // CIBA §10.3.1: the ID token names the auth_req_id and carries at_hash and rt_hash.
    const idToken = decodeJwt(body.id_token);
    expect(idToken['urn:openid:params:jwt:claim:auth_req_id']).toBe('the-auth-req-id');
    expect(idToken.at_hash).toEqual(expect.any(String));
    expect(idToken['urn:openid:params:jwt:claim:rt_hash']).toEqual(expect.any(String));
    expect(idToken.acr).toBe('urn:onboard:acr:passkey');
    const audit = await ctx.stores.audit.list({ authRequestId: request.id });
    expect(audit.map((e) => e.type).sort()).toEqual(['auth_request.approved', 'auth_request.consumed']);
  });

  it('binds push tokens to the request dpop_jkt and sends only auth_req_id and one JWE to an encrypting client', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519' });
    const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
    const request = await seed(
      { deliveryMode: 'push', dpopJkt: jkt },
      {
        grantTypes: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
        jwks: { keys: [{ ...(await exportJWK(publicKey)), use: 'enc' }] },
        tokenResponseEncryptionAlg: 'ECDH-ES+A256KW',
        tokenResponseEncryptionEnc: 'A256GCM',
      },
    );
    await approve(request);
    const [message] = await outbox();
    expect(message.body).not.toContain('access_token');
    const body = JSON.parse(message.body);
    expect(Object.keys(body).sort()).toEqual(['auth_req_id', 'encrypted_token_response']);
    expect(body.auth_req_id).toBe('the-auth-req-id');
    const { plaintext } = await compactDecrypt(body.encrypted_token_response, privateKey);
    const tokens = JSON.parse(new TextDecoder().decode(plaintext));
    expect(tokens.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.access_token).cnf).toEqual({ jkt });
    expect(decodeJwt(tokens.id_token)['urn:openid:params:jwt:claim:auth_req_id']).toBe('the-auth-req-id');
    const refreshRecord = await ctx.stores.refreshTokens.find(sha256Base64url(tokens.refresh_token));
    expect(refreshRecord?.jkt).toBe(jkt);
  });

  it('queues the push error payload with access_denied when the owner denies', async () => {
    const request = await seed({ deliveryMode: 'push' });
    const done = await completeAuthRequest(ctx, { id: request.id, sub: 'alice', decision: 'deny', deviceId: 'd' });
    expect(done.status).toBe('denied');
    const [message] = await outbox();
    expect(JSON.parse(message.body)).toEqual({
      auth_req_id: 'the-auth-req-id',
      error: 'access_denied',
      error_description: 'the owner denied the request',
    });
  });

  it('approves but sends nothing when the push client has been disabled', async () => {
    const request = await seed({ deliveryMode: 'push' }, { disabled: true });
    const done = await approve(request);
    expect(done.status).toBe('approved');
    expect(await outbox()).toHaveLength(0);
    expect(ctx.logs.some((l) => l.level === 'warn')).toBe(true);
  });
});
