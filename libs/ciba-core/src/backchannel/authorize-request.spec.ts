import { AccessDenied, OAuthError } from '../errors/oauth-error';
import { authorizeRequest } from './authorize-request';
import { defaultBackchannelPolicy, type BackchannelPolicy, type RequestToAuthorize } from './backchannel-policy';
import { baseClient, createHarness, saveOwner, saveOwnerDevice, type TestHarness } from './testing.spec-helper';

const REQUEST: RequestToAuthorize = { scope: 'openid', bindingMessage: 'K7-42', expiresIn: 300 };

describe('authorizeRequest (CIBA §13 access_denied)', () => {
  let h: TestHarness;
  const client = baseClient();
  const authorize = (
    owner: Parameters<typeof authorizeRequest>[2],
    policy: BackchannelPolicy = defaultBackchannelPolicy,
  ) => authorizeRequest(h.ctx, client, owner, REQUEST, policy);

  beforeEach(async () => {
    h = await createHarness();
  });

  describe('the default policy', () => {
    it('accepts an owner with an enabled authentication device', async () => {
      const owner = await saveOwner(h.ctx);
      await expect(authorize(owner)).resolves.toBeUndefined();
    });

    it('accepts an owner with one enabled device among disabled ones', async () => {
      const owner = await saveOwner(h.ctx, {}, { device: { disabled: true } });
      await saveOwnerDevice(h.ctx, owner.sub);
      await expect(authorize(owner)).resolves.toBeUndefined();
    });

    it('refuses an owner without any authentication device with access_denied, 403', async () => {
      const owner = await saveOwner(h.ctx, {}, { device: false });
      const error = await authorize(owner).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AccessDenied);
      expect(error).toMatchObject({ code: 'access_denied', status: 403, expose: true });
      expect((error as OAuthError).message).toBe(
        'the user has no authentication device that could approve the request',
      );
    });

    it('refuses an owner whose devices are all disabled', async () => {
      const owner = await saveOwner(h.ctx, {}, { device: { disabled: true } });
      await expect(authorize(owner)).rejects.toBeInstanceOf(AccessDenied);
    });

    it('accepts an owner whose only device is a passkey enrolled in the owner app, until it is removed', async () => {
      const owner = await saveOwner(h.ctx, {}, { device: false });
      await h.ctx.stores.passkeys.savePasskey({
        id: 'pk-1',
        sub: owner.sub,
        name: 'Phone',
        credentialId: 'Y3JlZGVudGlhbA',
        publicKey: 'a2V5',
        algorithm: -7,
        counter: 0,
        createdAt: Date.now(),
      });
      await expect(authorize(owner)).resolves.toBeUndefined();
      await h.ctx.stores.passkeys.removePasskey('pk-1', Date.now());
      await expect(authorize(owner)).rejects.toBeInstanceOf(AccessDenied);
    });

    it('does not count another owner’s devices', async () => {
      const owner = await saveOwner(h.ctx, {}, { device: false });
      await saveOwner(h.ctx);
      await expect(authorize(owner)).rejects.toBeInstanceOf(AccessDenied);
    });
  });

  it('runs a replaced hook with the owner, the client and the request, and passes on its refusal', async () => {
    const owner = await saveOwner(h.ctx, {}, { device: false });
    const calls: unknown[] = [];
    const accepting: BackchannelPolicy = {
      ...defaultBackchannelPolicy,
      authorizeRequest: async (_ctx, who, by, request) => void calls.push([who.sub, by.clientId, request]),
    };
    await expect(authorize(owner, accepting)).resolves.toBeUndefined();
    expect(calls).toEqual([[owner.sub, client.clientId, REQUEST]]);

    const refusing: BackchannelPolicy = {
      ...defaultBackchannelPolicy,
      authorizeRequest: async () => {
        throw new AccessDenied('the owner has blocked this client');
      },
    };
    await expect(authorize(owner, refusing)).rejects.toThrow('the owner has blocked this client');
  });
});
