import { decodeJwt } from 'jose';
import { handleRevocation } from './revocation.handler';
import { handleIntrospection } from './introspection.handler';
import { SECRET, introspectionUrl, revocationUrl, twoClients } from './introspection-revocation.testing';
import { formPost, testClient } from '../grants/testing.helper';
import { issueTokens } from '../tokens/issue-tokens';
import { handleToken } from '../grants/token.handler';
import type { ProviderContext } from '../context';

const revoke = (ctx: ProviderContext, params: Record<string, string>, clientId = 'client-1') =>
  handleRevocation(ctx, formPost(revocationUrl, params, { clientId, secret: SECRET }));
const active = async (ctx: ProviderContext, token: string) =>
  (
    (await handleIntrospection(ctx, formPost(introspectionUrl, { token }, { clientId: 'client-1', secret: SECRET })))
      .body as {
      active: boolean;
    }
  ).active;

const issue = (ctx: ProviderContext) =>
  issueTokens(ctx, { client: testClient(), sub: 'alice', scope: 'openid', authTime: ctx.clock.now() });

describe('handleRevocation', () => {
  it('revokes an access token by jti', async () => {
    const ctx = await twoClients();
    const { access_token, refresh_token } = await issue(ctx);
    const res = await revoke(ctx, { token: access_token, token_type_hint: 'access_token' });
    expect(res.status).toBe(200);
    expect(res.body).toBeUndefined();
    expect(await ctx.stores.revocations.isRevoked(String(decodeJwt(access_token).jti))).toBe(true);
    expect(await active(ctx, access_token)).toBe(false);
    expect(await active(ctx, refresh_token!)).toBe(true);
  });

  it('revokes the whole family of a refresh token, including its access tokens', async () => {
    const ctx = await twoClients();
    const { access_token, refresh_token } = await issue(ctx);
    expect((await revoke(ctx, { token: refresh_token! })).status).toBe(200);
    expect(await active(ctx, refresh_token!)).toBe(false);
    expect(await active(ctx, access_token)).toBe(false);
    const refresh = await handleToken(
      ctx,
      formPost(
        `${ctx.settings.issuer}/token`,
        { grant_type: 'refresh_token', refresh_token: refresh_token! },
        { clientId: 'client-1', secret: SECRET },
      ),
    );
    expect(refresh.body).toMatchObject({ error: 'invalid_grant' });
  });

  it('answers 200 for unknown or invalid tokens and ignores unknown hints', async () => {
    const ctx = await twoClients();
    expect((await revoke(ctx, { token: 'unknown' })).status).toBe(200);
    expect((await revoke(ctx, { token: 'a.b.c', token_type_hint: 'something_else' })).status).toBe(200);
  });

  it("refuses to revoke another client's token and leaves it active", async () => {
    const ctx = await twoClients();
    const { access_token, refresh_token } = await issue(ctx);
    expect((await revoke(ctx, { token: access_token }, 'client-2')).body).toMatchObject({ error: 'invalid_request' });
    expect((await revoke(ctx, { token: refresh_token! }, 'client-2')).body).toMatchObject({ error: 'invalid_request' });
    expect(await active(ctx, access_token)).toBe(true);
    expect(await active(ctx, refresh_token!)).toBe(true);
  });

  it('answers invalid_client without client authentication and invalid_request without token', async () => {
    const ctx = await twoClients();
    const anonymous = await handleRevocation(ctx, formPost(revocationUrl, { token: 'x' }));
    expect(anonymous.status).toBe(401);
    expect((await revoke(ctx, {})).body).toMatchObject({ error: 'invalid_request' });
  });
});
