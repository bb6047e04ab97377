import { verifyUserCode } from '../backchannel/user-code';
import { makeClient, testContext, type TestContext } from '../delivery/testing.helper';
import { Conflict, InvalidRequest, NotFound } from '../errors/oauth-error';
import { hashCredential } from '../owner-device/authenticate-owner-device';
import {
  createOwner,
  createOwnerDevice,
  disableClient,
  disableOwner,
  disableOwnerDevice,
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
