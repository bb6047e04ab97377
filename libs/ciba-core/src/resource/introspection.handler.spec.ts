import { decodeJwt } from 'jose';
import { handleIntrospection } from './introspection.handler';
import { SECRET, introspectionUrl, twoClients } from './introspection-revocation.testing';
import { TEST_ISSUER, formPost, testClient } from '../grants/testing.helper';
import { issueTokens } from '../tokens/issue-tokens';
import { sha256Base64url } from '../tokens/token-hashes';
import type { ProviderContext } from '../context';

const introspect = (ctx: ProviderContext, params: Record<string, string>, clientId = 'client-1', secret = SECRET) =>
  handleIntrospection(ctx, formPost(introspectionUrl, params, { clientId, secret }));

const issue = (ctx: ProviderContext, jkt?: string) =>
  issueTokens(ctx, {
    client: testClient(),
    sub: 'alice',
    scope: 'openid profile',
    authTime: ctx.clock.now(),
    jkt,
    acr: 'urn:onboard:acr:passkey',
  });

describe('handleIntrospection', () => {
  it('answers active:false for an access token whose client is disabled while the request runs', async () => {
    const ctx = await twoClients();
    const { access_token } = await issue(ctx);
    // The first read authenticates the (still active) client; the client is disabled right after.
    const find = ctx.stores.clients.find.bind(ctx.stores.clients);
    let reads = 0;
    ctx.stores.clients.find = async (id) => {
      const client = await find(id);
      return client && reads++ > 0 ? { ...client, disabled: true } : client;
    };
    const res = await introspect(ctx, { token: access_token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ active: false });
  });

  it('refuses the introspection itself once the client is disabled (its tokens cannot be inspected by it)', async () => {
    const ctx = await twoClients();
    const { access_token } = await issue(ctx);
    await ctx.stores.clients.save({ ...(await ctx.stores.clients.find('client-1'))!, disabled: true });
    const res = await introspect(ctx, { token: access_token });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_client' });
  });

  it('answers active:false for the access and refresh tokens of a disabled owner, and after re-enabling', async () => {
    const ctx = await twoClients();
    const tokens = await issue(ctx);
    expect((await introspect(ctx, { token: tokens.access_token })).body).toMatchObject({ active: true });
    expect((await introspect(ctx, { token: tokens.refresh_token! })).body).toMatchObject({ active: true });
    const disabledAt = ctx.clock.now() + 1;
    await ctx.stores.owners.save({ sub: 'alice', disabled: true, disabledAt, createdAt: 0 });
    expect((await introspect(ctx, { token: tokens.access_token })).body).toEqual({ active: false });
    expect((await introspect(ctx, { token: tokens.refresh_token! })).body).toEqual({ active: false });
    await ctx.stores.owners.save({ sub: 'alice', disabled: false, disabledAt, createdAt: 0 });
    expect((await introspect(ctx, { token: tokens.access_token })).body).toEqual({ active: false });
    expect((await introspect(ctx, { token: tokens.refresh_token! })).body).toEqual({ active: false });
  });

  it('answers active:false for a refresh token whose grant family was revoked', async () => {
    const ctx = await twoClients();
    const tokens = await issue(ctx);
    const record = await ctx.stores.refreshTokens.find(sha256Base64url(tokens.refresh_token!));
    await ctx.stores.revocations.revokeFamily(record!.familyId, ctx.clock.now() + 60_000);
    expect((await introspect(ctx, { token: tokens.refresh_token! })).body).toEqual({ active: false });
  });

  it('describes an active access token of the calling client', async () => {
    const ctx = await twoClients();
    const { access_token } = await issue(ctx);
    const res = await introspect(ctx, { token: access_token });
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const claims = decodeJwt(access_token);
    expect(res.body).toMatchObject({
      active: true,
      scope: 'openid profile',
      client_id: 'client-1',
      sub: 'alice',
      iss: TEST_ISSUER,
      exp: claims.exp,
      token_type: 'Bearer',
      acr: 'urn:onboard:acr:passkey',
    });
  });

  it('reports the DPoP binding of a bound access token', async () => {
    const ctx = await twoClients();
    const { access_token } = await issue(ctx, 'thumbprint');
    expect((await introspect(ctx, { token: access_token })).body).toMatchObject({
      active: true,
      token_type: 'DPoP',
      cnf: { jkt: 'thumbprint' },
    });
  });

  it('describes an active refresh token, whatever the hint says', async () => {
    const ctx = await twoClients();
    const { refresh_token } = await issue(ctx);
    const res = await introspect(ctx, { token: refresh_token!, token_type_hint: 'access_token' });
    expect(res.body).toMatchObject({ active: true, token_type: 'refresh_token', client_id: 'client-1', sub: 'alice' });
  });

  it("answers active false for another client's tokens", async () => {
    const ctx = await twoClients();
    const { access_token, refresh_token } = await issue(ctx);
    expect((await introspect(ctx, { token: access_token }, 'client-2')).body).toEqual({ active: false });
    expect((await introspect(ctx, { token: refresh_token! }, 'client-2')).body).toEqual({ active: false });
  });

  it('answers active false for unknown, expired, revoked and used tokens', async () => {
    const ctx = await twoClients();
    const a = await issue(ctx);
    const b = await issue(ctx);
    await ctx.stores.revocations.revoke(String(decodeJwt(a.access_token).jti), ctx.clock.now() + 600_000);
    await ctx.stores.refreshTokens.markUsed(sha256Base64url(b.refresh_token!), ctx.clock.now());
    for (const token of ['unknown', 'a.b.c', a.access_token, b.refresh_token!]) {
      expect((await introspect(ctx, { token })).body).toEqual({ active: false });
    }
    ctx.clock.advance(ctx.settings.accessTokenTtl * 1000);
    expect((await introspect(ctx, { token: b.access_token })).body).toEqual({ active: false });
  });

  it('answers invalid_client without valid client authentication and invalid_request without token', async () => {
    const ctx = await twoClients();
    const { access_token } = await issue(ctx);
    const unauthenticated = await introspect(ctx, { token: access_token }, 'client-1', 'wrong');
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.body).toMatchObject({ error: 'invalid_client' });
    expect((await introspect(ctx, {})).body).toMatchObject({ error: 'invalid_request' });
  });
});
