import { decodeProtectedHeader } from 'jose';
import { createKeyRing } from '../keys/key-ring';
import { makeClient, makeRequest, testContext, type TestContext } from '../delivery/testing.helper';
import type { AuthRequest } from '../domain/auth-request';
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
