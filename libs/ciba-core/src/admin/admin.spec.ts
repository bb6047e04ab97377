import { verifyUserCode } from '../backchannel/user-code';
import { makeClient, makeRequest, testContext, type TestContext } from '../delivery/testing.helper';
import { Conflict, InvalidRequest, NotFound } from '../errors/oauth-error';
import { hashCredential } from '../owner-device/authenticate-owner-device';
import {
  createOwner,
  createOwnerDevice,
  disableClient,
  disableOwner,
  disableOwnerDevice,
  enableOwner,
  listClients,
  listOwnerDevices,
  listOwners,
  setOwnerUserCode,
} from './admin';

describe('admin core', () => {
  let ctx: TestContext;
  beforeEach(() => {
    ctx = testContext();
  });

  it('creates an owner with a generated sub and a hashed user code', async () => {
    const owner = await createOwner(ctx, {
      email: 'alice@example.com',
      phoneNumber: '+4915112345678',
      name: 'Alice',
      userCode: '4711',
    });
    expect(owner.sub).toMatch(/^[0-9a-f-]{36}$/);
    expect(owner.userCodeHash).not.toContain('4711');
    expect(await verifyUserCode('4711', owner.userCodeHash!)).toBe(true);
    expect(await ctx.stores.owners.findByHint('ALICE@example.com')).toMatchObject({ sub: owner.sub });
    expect((await ctx.stores.audit.list({ sub: owner.sub })).map((e) => e.type)).toEqual(['owner.created']);
  });

  it.each([
    [{ email: 'not-an-email' }],
    [{ email: `${'a'.repeat(250)}@example.com` }],
    [{ phoneNumber: '0151 123' }],
    [{ username: 'has space' }],
    [{ sub: 'x'.repeat(256) }],
    [{ name: 'bad\u0000name' }],
    [{ userCode: '12' }],
  ])('refuses the malformed owner field %j', async (input) => {
    await expect(createOwner(ctx, input)).rejects.toBeInstanceOf(InvalidRequest);
    expect(await listOwners(ctx)).toEqual([]);
  });

  it('refuses a second owner with the same sub or email', async () => {
    await createOwner(ctx, { sub: 'alice', email: 'alice@example.com' });
    await expect(createOwner(ctx, { sub: 'alice' })).rejects.toBeInstanceOf(Conflict);
    await expect(createOwner(ctx, { sub: 'alice2', email: 'Alice@example.com' })).rejects.toBeInstanceOf(Conflict);
  });

  it('changes a user code so only the new one verifies', async () => {
    await createOwner(ctx, { sub: 'alice', userCode: '1111' });
    const owner = await setOwnerUserCode(ctx, 'alice', '2222');
    expect(await verifyUserCode('2222', owner.userCodeHash!)).toBe(true);
    expect(await verifyUserCode('1111', owner.userCodeHash!)).toBe(false);
    expect(await ctx.stores.owners.find('alice')).toMatchObject({ userCodeHash: owner.userCodeHash });
  });

  it('reports unknown owners as not found', async () => {
    await expect(setOwnerUserCode(ctx, 'ghost', '2222')).rejects.toBeInstanceOf(NotFound);
    await expect(disableOwner(ctx, 'ghost')).rejects.toBeInstanceOf(NotFound);
    await expect(createOwnerDevice(ctx, { sub: 'ghost' })).rejects.toBeInstanceOf(NotFound);
  });

  it('disables an owner', async () => {
    await createOwner(ctx, { sub: 'alice' });
    await disableOwner(ctx, 'alice');
    expect((await ctx.stores.owners.find('alice'))?.disabled).toBe(true);
  });

  describe('disabling an owner', () => {
    const record = (tokenHash: string, sub: string) => ({
      tokenHash,
      familyId: `fam-${tokenHash}`,
      clientId: 'client-1',
      sub,
      scope: 'openid',
      authTime: 1,
      createdAt: 1,
      expiresAt: Number.MAX_SAFE_INTEGER,
      revoked: false,
    });

    it("records the watermark and revokes the owner's refresh tokens, and no one else's, with an audit event", async () => {
      await createOwner(ctx, { sub: 'alice' });
      await ctx.stores.refreshTokens.save(record('a', 'alice'));
      await ctx.stores.refreshTokens.save(record('b', 'alice'));
      await ctx.stores.refreshTokens.save(record('c', 'bob'));
      const owner = await disableOwner(ctx, 'alice');
      expect(owner).toMatchObject({ disabled: true, disabledAt: ctx.clock.now() });
      expect(await ctx.stores.owners.find('alice')).toMatchObject({ disabled: true, disabledAt: ctx.clock.now() });
      expect((await ctx.stores.refreshTokens.find('a'))?.revoked).toBe(true);
      expect((await ctx.stores.refreshTokens.find('b'))?.revoked).toBe(true);
      expect((await ctx.stores.refreshTokens.find('c'))?.revoked).toBe(false);
      const events = await ctx.stores.audit.list({ sub: 'alice' });
      expect(events.at(-1)).toMatchObject({ type: 'owner.disabled', data: { refreshTokensRevoked: 2 } });
    });

    it('denies the pending requests of the owner, and only those, telling ping clients', async () => {
      await createOwner(ctx, { sub: 'alice' });
      await ctx.stores.clients.save(
        makeClient({
          backchannelTokenDeliveryMode: 'ping',
          backchannelClientNotificationEndpoint: 'https://rp.example/cb',
        }),
      );
      const now = ctx.clock.now();
      const ping = makeRequest(now, {
        deliveryMode: 'ping',
        clientNotificationToken: 'cnt',
        deliveryAuthReqId: 'arid',
      });
      const poll = makeRequest(now);
      const approved = makeRequest(now, { status: 'approved', authTime: now });
      const bobs = makeRequest(now, { sub: 'bob' });
      for (const request of [ping, poll, approved, bobs]) await ctx.stores.authRequests.create(request);

      await disableOwner(ctx, 'alice');

      for (const request of [ping, poll]) {
        expect(await ctx.stores.authRequests.find(request.id)).toMatchObject({ status: 'denied' });
        const [event] = await ctx.stores.audit.list({ authRequestId: request.id });
        expect(event).toMatchObject({ type: 'auth_request.denied', data: { reason: 'owner_disabled' } });
      }
      // approved requests keep their state (the token endpoint refuses them); other owners' are untouched
      expect((await ctx.stores.authRequests.find(approved.id))?.status).toBe('approved');
      expect((await ctx.stores.authRequests.find(bobs.id))?.status).toBe('pending');
      const [message] = await ctx.stores.outbox.due(Number.MAX_SAFE_INTEGER, 10);
      expect(message).toMatchObject({
        authRequestId: ping.id,
        bearer: 'cnt',
        body: JSON.stringify({ auth_req_id: 'arid' }),
      });
    });

    it('keeps the watermark when the owner is enabled again', async () => {
      await createOwner(ctx, { sub: 'alice' });
      await disableOwner(ctx, 'alice');
      const disabledAt = ctx.clock.now();
      ctx.advance(5_000);
      const owner = await enableOwner(ctx, 'alice');
      expect(owner).toMatchObject({ disabled: false, disabledAt });
      expect(await ctx.stores.owners.find('alice')).toMatchObject({ disabled: false, disabledAt });
      expect((await ctx.stores.audit.list({ sub: 'alice' })).map((e) => e.type)).toEqual([
        'owner.created',
        'owner.disabled',
        'owner.enabled',
      ]);
      await expect(enableOwner(ctx, 'ghost')).rejects.toBeInstanceOf(NotFound);
    });

    it('enables an owner disabled within the current second only once that second has passed', async () => {
      jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
      try {
        await createOwner(ctx, { sub: 'alice' });
        ctx.advance(300);
        await disableOwner(ctx, 'alice');
        ctx.advance(200);
        let enabled = false;
        const enabling = enableOwner(ctx, 'alice').then(() => (enabled = true));
        await jest.advanceTimersByTimeAsync(450);
        expect(enabled).toBe(false);
        expect((await ctx.stores.owners.find('alice'))?.disabled).toBe(true);
        await jest.advanceTimersByTimeAsync(100);
        await enabling;
        expect((await ctx.stores.owners.find('alice'))?.disabled).toBe(false);
      } finally {
        jest.useRealTimers();
      }
    });
  });

  it('creates an owner device whose credential is returned once and stored hashed', async () => {
    await createOwner(ctx, { sub: 'alice' });
    const { device, credential } = await createOwnerDevice(ctx, { sub: 'alice', name: 'Pixel' });
    expect(credential).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(device.credentialHash).toBe(hashCredential(credential));
    expect(await ctx.stores.owners.findDeviceByCredentialHash(hashCredential(credential))).toMatchObject({
      id: device.id,
      sub: 'alice',
    });
    expect(JSON.stringify(await ctx.stores.audit.list({ sub: 'alice' }))).not.toContain(credential);
  });

  it('disables an owner device and lists devices', async () => {
    await createOwner(ctx, { sub: 'alice' });
    const { device } = await createOwnerDevice(ctx, { sub: 'alice' });
    await disableOwnerDevice(ctx, 'alice', device.id);
    expect(await listOwnerDevices(ctx, 'alice')).toMatchObject([{ id: device.id, disabled: true }]);
    await expect(disableOwnerDevice(ctx, 'bob', device.id)).rejects.toBeInstanceOf(NotFound);
  });

  it('disables a client and lists clients', async () => {
    await ctx.stores.clients.save(makeClient());
    await disableClient(ctx, 'client-1');
    expect(await listClients(ctx)).toMatchObject([{ clientId: 'client-1', disabled: true }]);
    await expect(disableClient(ctx, 'nope')).rejects.toBeInstanceOf(NotFound);
  });

  it("revokes the refresh tokens of a client it disables, and no other client's", async () => {
    await ctx.stores.clients.save(makeClient());
    const record = (tokenHash: string, clientId: string) => ({
      tokenHash,
      familyId: `fam-${tokenHash}`,
      clientId,
      sub: 'alice',
      scope: 'openid',
      authTime: 1,
      createdAt: 1,
      expiresAt: Number.MAX_SAFE_INTEGER,
      revoked: false,
    });
    await ctx.stores.refreshTokens.save(record('a', 'client-1'));
    await ctx.stores.refreshTokens.save(record('b', 'client-1'));
    await ctx.stores.refreshTokens.save(record('c', 'client-2'));
    await disableClient(ctx, 'client-1');
    expect((await ctx.stores.refreshTokens.find('a'))?.revoked).toBe(true);
    expect((await ctx.stores.refreshTokens.find('b'))?.revoked).toBe(true);
    expect((await ctx.stores.refreshTokens.find('c'))?.revoked).toBe(false);
    const [event] = await ctx.stores.audit.list({});
    expect(event).toMatchObject({ type: 'client.disabled', clientId: 'client-1', data: { refreshTokensRevoked: 2 } });
  });
});
