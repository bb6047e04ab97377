import * as oidc from 'openid-client';
import { decodeProtectedHeader } from 'jose';
import { startProvider, type TestProvider } from '../support/provider';
import { CIBA_GRANT, bindingMessage, createOwner, registerClient, type TestOwner } from '../support/fixtures';
import { sleep } from '../support/http';
import { NotificationListener } from '../support/notification-listener';

const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';

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
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');

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

/**
 * A relying party built on openid-client with nothing but its defaults: it registers itself
 * (RFC 7591) without `id_token_signed_response_alg`, so OIDC Registration §2 makes RS256 its
 * ID token alg, and it verifies every ID token's signature against the provider's JWKS
 * (`enableNonRepudiationChecks`). Poll, ping and push alike.
 */
describe('openid-client with its defaults as the relying party in poll, ping and push mode', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let listener: NotificationListener;

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    listener = await new NotificationListener().start();
  });
  afterAll(async () => {
    await listener?.close();
    await p?.close();
  });

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

  /** openid-client registers the RP: no alg metadata, client_secret_post (its default client auth). */
  async function registerRp(mode: 'poll' | 'ping' | 'push', extra: Partial<oidc.ClientMetadata> = {}) {
    const config = await oidc.dynamicClientRegistration(
      new URL(p.issuer),
      {
        client_name: `openid-client ${mode}`,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: [CIBA_GRANT],
        backchannel_token_delivery_mode: mode,
        ...(mode === 'poll' ? {} : { backchannel_client_notification_endpoint: listener.url(`/${mode}`) }),
        ...extra,
      },
      undefined,
      { initialAccessToken: p.initialAccessToken, execute: [oidc.allowInsecureRequests] },
    );
    oidc.enableNonRepudiationChecks(config);
    return config;
  }

  async function initiate(config: oidc.Configuration, extra: Record<string, string> = {}) {
    const bm = bindingMessage();
    const ack = await oidc.initiateBackchannelAuthentication(config, {
      scope: 'openid email',
      login_hint: owner.email,
      binding_message: bm,
      ...extra,
    });
    return { bm, ack };
  }

  function expectDefaultIdToken(tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers): void {
    expect(decodeProtectedHeader(tokens.id_token!).alg).toBe('RS256');
    expect(tokens.claims()?.sub).toBe(owner.sub);
  }

  it('poll: the ID token is RS256 and verifies against the JWKS', async () => {
    const config = await registerRp('poll');
    expect(config.clientMetadata().id_token_signed_response_alg).toBe('RS256');
    const { bm, ack } = await initiate(config);
    const [tokens] = await Promise.all([oidc.pollBackchannelAuthenticationGrant(config, ack), approveWhenListed(bm)]);
    expectDefaultIdToken(tokens);
  });

  it('poll: an RP that takes the alg from Registration §2 alone (no discovery list) accepts the ID token', async () => {
    const registered = await registerRp('poll');
    const { id_token_signing_alg_values_supported: _algs, ...serverMetadata } = registered.serverMetadata();
    const strict = new oidc.Configuration(
      serverMetadata,
      registered.clientMetadata().client_id,
      registered.clientMetadata().client_secret as string,
    );
    oidc.allowInsecureRequests(strict);
    const { bm, ack } = await initiate(strict);
    const [tokens] = await Promise.all([oidc.pollBackchannelAuthenticationGrant(strict, ack), approveWhenListed(bm)]);
    expectDefaultIdToken(tokens);
  });

  it('UserInfo: an RP that registered userinfo_signed_response_alg gets and verifies a signed response', async () => {
    const config = await registerRp('poll', { userinfo_signed_response_alg: 'PS256' });
    const { bm, ack } = await initiate(config);
    const [tokens] = await Promise.all([oidc.pollBackchannelAuthenticationGrant(config, ack), approveWhenListed(bm)]);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, owner.sub);
    expect(info).toMatchObject({
      sub: owner.sub,
      email: owner.email,
      iss: p.issuer,
      aud: config.clientMetadata().client_id,
    });
  });

  it('ping: after the ping the RP redeems the auth_req_id and gets an RS256 ID token', async () => {
    const config = await registerRp('ping');
    const notificationToken = `ping-${Date.now()}-a-long-enough-bearer-token`;
    const { bm, ack } = await initiate(config, { client_notification_token: notificationToken });
    await approveWhenListed(bm);
    const pings = await listener.waitFor('/ping', 1, 10_000);
    const ping = pings.find((n) => n.json?.auth_req_id === ack.auth_req_id);
    expect(ping?.authorization).toBe(`Bearer ${notificationToken}`);
    const tokens = await oidc.genericGrantRequest(config, CIBA_GRANT, { auth_req_id: ack.auth_req_id });
    expectDefaultIdToken(tokens);
  });

  it("push: the pushed tokens pass openid-client's token response validation with an RS256 ID token", async () => {
    const config = await registerRp('push');
    const notificationToken = `push-${Date.now()}-a-long-enough-bearer-token`;
    const { bm, ack } = await initiate(config, { client_notification_token: notificationToken });
    await approveWhenListed(bm);
    const pushes = await listener.waitFor('/push', 1, 10_000);
    const push = pushes.find((n) => n.json?.auth_req_id === ack.auth_req_id);
    expect(push?.authorization).toBe(`Bearer ${notificationToken}`);
    // openid-client has no entry point for a CIBA push body (CIBA §10.3.1), so the pushed body
    // is handed to its token response processing as if the token endpoint had answered it:
    // the same ID token checks (alg, iss, aud, exp, signature against the JWKS) apply.
    const tokenEndpoint = config.serverMetadata().token_endpoint;
    config[oidc.customFetch] = async (url, options) =>
      url === tokenEndpoint
        ? new Response(push!.text, { status: 200, headers: { 'content-type': 'application/json' } })
        : fetch(url, options as RequestInit);
    const tokens = await oidc.genericGrantRequest(config, CIBA_GRANT, { auth_req_id: ack.auth_req_id });
    expectDefaultIdToken(tokens);
    expect(tokens.claims()?.[AUTH_REQ_ID_CLAIM]).toBe(ack.auth_req_id);
  });
});
