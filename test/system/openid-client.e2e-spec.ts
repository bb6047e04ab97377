import * as oidc from 'openid-client';
import { startProvider, type TestProvider } from '../support/provider';
import { bindingMessage, createOwner, registerClient, type TestOwner } from '../support/fixtures';
import { sleep } from '../support/http';

// openid-client 6 as the relying party: discovery, CIBA initiation, polling, tokens.
describe('openid-client as the relying party', () => {
  let p: TestProvider;
  let owner: TestOwner;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true, env: { CIBA_LONG_POLL_SECONDS: '5' } });
    owner = await createOwner(p);
  });
  afterAll(() => p?.close());

  /** Approve on the owner's device once the request shows up. */
  async function approveWhenListed(bm: string): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const match = (await owner.device.pending()).find((r) => r.binding_message === bm);
      if (match) {
        const res = await owner.device.decide(match.id, 'approve');
        if (res.status >= 300) throw new Error(`approve failed: ${res.status} ${res.text}`);
        return;
      }
      await sleep(50);
    }
    throw new Error('request never reached the owner device');
  }

  it('runs a CIBA poll flow with client_secret_basic and validates the ID token', async () => {
    const client = await registerClient(p, { authMethod: 'client_secret_basic' });
    const config = await oidc.discovery(
      new URL(p.issuer),
      client.clientId,
      undefined,
      oidc.ClientSecretBasic(client.clientSecret!),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    expect(config.serverMetadata().backchannel_authentication_endpoint).toBe(`${p.issuer}/backchannel`);
    const bm = bindingMessage();
    const ack = await oidc.initiateBackchannelAuthentication(config, {
      scope: 'openid email offline_access',
      login_hint: owner.email,
      binding_message: bm,
    });
    expect(typeof ack.auth_req_id).toBe('string');
    const [tokens] = await Promise.all([oidc.pollBackchannelAuthenticationGrant(config, ack), approveWhenListed(bm)]);
    expect(tokens.claims()?.sub).toBe(owner.sub);
    expect(tokens.token_type.toLowerCase()).toBe('bearer');

    const info = await oidc.fetchUserInfo(config, tokens.access_token, owner.sub);
    expect(info.email).toBe(owner.email);

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);

    const introspection = await oidc.tokenIntrospection(config, refreshed.access_token);
    expect(introspection.active).toBe(true);
    await oidc.tokenRevocation(config, refreshed.access_token);
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('authenticates with private_key_jwt', async () => {
    const client = await registerClient(p, { authMethod: 'private_key_jwt' });
    const config = await oidc.discovery(
      new URL(p.issuer),
      client.clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: client.key!.privateKey, kid: client.key!.kid }),
      { execute: [oidc.allowInsecureRequests] },
    );
    const bm = bindingMessage();
    const ack = await oidc.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bm,
    });
    const [tokens] = await Promise.all([oidc.pollBackchannelAuthenticationGrant(config, ack), approveWhenListed(bm)]);
    expect(tokens.claims()?.sub).toBe(owner.sub);
    expect(tokens.claims()?.aud).toBe(client.clientId);
  });

  it('gets DPoP-bound tokens through getDPoPHandle and uses them at userinfo', async () => {
    const client = await registerClient(p, { authMethod: 'private_key_jwt' });
    const config = await oidc.discovery(
      new URL(p.issuer),
      client.clientId,
      undefined,
      oidc.PrivateKeyJwt({ key: client.key!.privateKey, kid: client.key!.kid }),
      { execute: [oidc.allowInsecureRequests] },
    );
    const dpop = oidc.getDPoPHandle(config, await oidc.randomDPoPKeyPair('ES256'));
    const bm = bindingMessage();
    const ack = await oidc.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bm,
    });
    const [tokens] = await Promise.all([
      oidc.pollBackchannelAuthenticationGrant(config, ack, undefined, { DPoP: dpop }),
      approveWhenListed(bm),
    ]);
    expect(tokens.token_type.toLowerCase()).toBe('dpop');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, owner.sub, { DPoP: dpop });
    expect(info.sub).toBe(owner.sub);
  });

  it('surfaces access_denied as an error when the owner denies', async () => {
    const client = await registerClient(p, { authMethod: 'client_secret_post' });
    const config = await oidc.discovery(
      new URL(p.issuer),
      client.clientId,
      undefined,
      oidc.ClientSecretPost(client.clientSecret!),
      {
        execute: [oidc.allowInsecureRequests],
      },
    );
    const bm = bindingMessage();
    const ack = await oidc.initiateBackchannelAuthentication(config, {
      scope: 'openid',
      login_hint: owner.email,
      binding_message: bm,
    });
    const deny = (async () => {
      for (let i = 0; i < 100; i++) {
        const match = (await owner.device.pending()).find((r) => r.binding_message === bm);
        if (match) return owner.device.decide(match.id, 'deny');
        await sleep(50);
      }
    })();
    await expect(oidc.pollBackchannelAuthenticationGrant(config, ack)).rejects.toMatchObject({
      error: 'access_denied',
    });
    await deny;
  });
});
