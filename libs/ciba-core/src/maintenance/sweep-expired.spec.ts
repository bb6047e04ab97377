import { decodeProtectedHeader } from 'jose';
import { createKeyRing } from '../keys/key-ring';
import { makeClient, makeRequest, testContext, type TestContext } from '../delivery/testing.helper';
import type { AuthRequest } from '../domain/auth-request';
import type { OutboxMessage } from '../domain/tokens';
import { Maintenance, sweepExpired } from './sweep-expired';

describe('sweepExpired', () => {
  let ctx: TestContext;

  beforeEach(async () => {
    ctx = testContext();
    await ctx.stores.clients.save(
      makeClient({
        backchannelTokenDeliveryMode: 'ping',
        backchannelClientNotificationEndpoint: 'https://rp.example/cb',
      }),
    );
  });

  const seed = async (patch: Partial<AuthRequest>) => {
    const request = makeRequest(ctx.clock.now(), {
      clientNotificationToken: 'cnt',
      deliveryAuthReqId: `arid-${patch.deliveryMode}`,
      expiresAt: ctx.clock.now() + 1000,
      ...patch,
    });
    await ctx.stores.authRequests.create(request);
    return request;
  };
  const bodies = async () =>
    (await ctx.stores.outbox.due(Number.MAX_SAFE_INTEGER, 100)).map(
      (m) => JSON.parse(m.body) as Record<string, unknown>,
    );

  it('expires a pending ping request past its expiry and queues the ping callback', async () => {
    const request = await seed({ deliveryMode: 'ping' });
    ctx.advance(1000);
    const result = await sweepExpired(ctx);
    expect(result.expired).toBe(1);
    expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('expired');
    expect(await bodies()).toEqual([{ auth_req_id: 'arid-ping' }]);
    expect((await ctx.stores.audit.list({ authRequestId: request.id })).map((e) => e.type)).toEqual([
      'auth_request.expired',
    ]);
  });

  it('expires a pending push request with the expired_token error payload', async () => {
    await seed({ deliveryMode: 'push' });
    ctx.advance(1000);
    await sweepExpired(ctx);
    expect(await bodies()).toEqual([
      { auth_req_id: 'arid-push', error: 'expired_token', error_description: expect.any(String) },
    ]);
  });

  it('leaves unexpired requests and poll requests alone', async () => {
    const live = await seed({ deliveryMode: 'ping', expiresAt: ctx.clock.now() + 60_000 });
    const poll = await seed({ deliveryMode: 'poll', clientNotificationToken: undefined, deliveryAuthReqId: undefined });
    ctx.advance(1000);
    expect((await sweepExpired(ctx)).expired).toBe(0);
    expect((await ctx.stores.authRequests.find(live.id))?.status).toBe('pending');
    expect((await ctx.stores.authRequests.find(poll.id))?.status).toBe('pending');
    expect(await bodies()).toEqual([]);
  });

  it('notifies an expired request only once across sweeps', async () => {
    await seed({ deliveryMode: 'ping' });
    ctx.advance(1000);
    await sweepExpired(ctx);
    await sweepExpired(ctx);
    expect(await bodies()).toHaveLength(1);
  });

  it('deletes requests after the retention period and expired replay markers', async () => {
    const request = await seed({ deliveryMode: 'poll' });
    await ctx.stores.replay.consume('jti-1', ctx.clock.now() + 500);
    ctx.advance(1001 + 3600_000);
    const result = await sweepExpired(ctx);
    expect(result.deletedAuthRequests).toBe(1);
    expect(result.deletedReplayMarkers).toBe(1);
    expect(await ctx.stores.authRequests.find(request.id)).toBeUndefined();
  });

  it('deletes expired requests, replay markers, refresh tokens and revocations in one transaction', async () => {
    const { stores } = ctx;
    let transactions = 0;
    let open = 0;
    const transaction = stores.transaction;
    stores.transaction = async (fn) => {
      transactions++;
      open++;
      try {
        return await transaction(fn);
      } finally {
        open--;
      }
    };
    // Which deletes ran, and whether inside the transaction.
    const deletes: string[] = [];
    const note =
      <A extends unknown[]>(name: string, run: (...args: A) => Promise<number>) =>
      (...args: A) => {
        deletes.push(`${name}${open > 0 ? ' (in transaction)' : ''}`);
        return run(...args);
      };
    stores.authRequests.deleteExpired = note(
      'auth requests',
      stores.authRequests.deleteExpired.bind(stores.authRequests),
    );
    stores.replay.deleteExpired = note('replay markers', stores.replay.deleteExpired.bind(stores.replay));
    stores.refreshTokens.deleteExpired = note(
      'refresh tokens',
      stores.refreshTokens.deleteExpired.bind(stores.refreshTokens),
    );
    stores.revocations.deleteExpired = note('revocations', stores.revocations.deleteExpired.bind(stores.revocations));
    stores.outbox.deleteFinished = note('outbox', stores.outbox.deleteFinished.bind(stores.outbox));
    await seed({ deliveryMode: 'poll' });
    await stores.replay.consume('jti-1', ctx.clock.now() + 500);
    ctx.advance(1001 + 3600_000);

    const result = await sweepExpired(ctx);

    expect(result).toMatchObject({ deletedAuthRequests: 1, deletedReplayMarkers: 1 });
    expect(transactions).toBe(1);
    expect(deletes).toEqual([
      'auth requests (in transaction)',
      'replay markers (in transaction)',
      'refresh tokens (in transaction)',
      'revocations (in transaction)',
      'outbox',
    ]);
  });

  const queue = async (status: OutboxMessage['status'], count = 1) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = ctx.random.uuid();
      await ctx.stores.outbox.enqueue({
        id,
        authRequestId: 'ar-1',
        clientId: 'client-1',
        url: 'https://rp.example/cb',
        bearer: 'cnt',
        body: '{"auth_req_id":"x"}',
        attempts: status === 'pending' ? 0 : 1,
        nextAttemptAt: ctx.clock.now(),
        status,
        createdAt: ctx.clock.now(),
      });
      ids.push(id);
    }
    return ids;
  };

  it('deletes delivered and failed outbox messages after the retention period, never pending ones', async () => {
    const [delivered] = await queue('delivered');
    const [failed] = await queue('failed');
    const [pending] = await queue('pending');
    ctx.advance(3600_000);
    expect((await sweepExpired(ctx)).deletedOutboxMessages).toBe(0);
    ctx.advance(1);
    expect((await sweepExpired(ctx)).deletedOutboxMessages).toBe(2);
    expect(await ctx.stores.outbox.find(delivered)).toBeUndefined();
    expect(await ctx.stores.outbox.find(failed)).toBeUndefined();
    expect((await ctx.stores.outbox.find(pending))?.status).toBe('pending');
    expect(ctx.logs).toContainEqual(
      expect.objectContaining({
        msg: 'maintenance sweep',
        fields: expect.objectContaining({ deletedOutboxMessages: 2 }),
      }),
    );
  });

  it('keeps outbox messages for a configured retention', async () => {
    await queue('delivered');
    ctx.advance(60_001);
    expect((await sweepExpired(ctx, { retentionMs: 60_001 })).deletedOutboxMessages).toBe(0);
    expect((await sweepExpired(ctx, { retentionMs: 60_000 })).deletedOutboxMessages).toBe(1);
  });

  it('clears a backlog larger than one sweep allows over several sweeps, in bounded batches', async () => {
    await queue('delivered', 25);
    const deleteFinished = jest.spyOn(ctx.stores.outbox, 'deleteFinished');
    ctx.advance(3600_001);
    expect((await sweepExpired(ctx, { deleteBatchSize: 2 })).deletedOutboxMessages).toBe(20);
    expect(deleteFinished).toHaveBeenCalledTimes(10);
    expect(deleteFinished.mock.calls.every(([, limit]) => limit === 2)).toBe(true);
    expect((await sweepExpired(ctx, { deleteBatchSize: 2 })).deletedOutboxMessages).toBe(5);
    expect((await sweepExpired(ctx, { deleteBatchSize: 2 })).deletedOutboxMessages).toBe(0);
  });
});

describe('Maintenance', () => {
  it('picks up keys rotated by another process on its next pass', async () => {
    const ctx = testContext();
    ctx.keys = await createKeyRing(ctx.stores.signingKeys, ctx.clock, ctx.settings);
    const before = decodeProtectedHeader(await ctx.keys.sign({ sub: 'a' })).kid;
    // Another process (the admin CLI) rotates through its own key ring on the same store.
    const other = await createKeyRing(ctx.stores.signingKeys, ctx.clock, ctx.settings);
    const rotated = await other.rotate();
    expect(decodeProtectedHeader(await ctx.keys.sign({ sub: 'a' })).kid).toBe(before);
    await new Maintenance(ctx).runOnce();
    const after = decodeProtectedHeader(await ctx.keys.sign({ sub: 'a' })).kid;
    expect(after).not.toBe(before);
    expect(rotated).toContain(after);
  });

  it('sweeps on its interval until stopped', async () => {
    const ctx = testContext();
    await ctx.stores.clients.save(
      makeClient({
        backchannelTokenDeliveryMode: 'ping',
        backchannelClientNotificationEndpoint: 'https://rp.example/cb',
      }),
    );
    const request = makeRequest(ctx.clock.now(), {
      deliveryMode: 'ping',
      clientNotificationToken: 'cnt',
      deliveryAuthReqId: 'a',
      expiresAt: ctx.clock.now() - 1,
    });
    await ctx.stores.authRequests.create(request);
    const maintenance = new Maintenance(ctx, { intervalMs: 10 });
    maintenance.start();
    const deadline = Date.now() + 2000;
    while ((await ctx.stores.authRequests.find(request.id))?.status !== 'expired' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5));
    }
    await maintenance.stop();
    expect((await ctx.stores.authRequests.find(request.id))?.status).toBe('expired');
  });
});
