import { decodeJwt, decodeProtectedHeader } from 'jose';
import { handleUserinfo } from './userinfo.handler';
import { TEST_ISSUER, formPost, testClient, testContext } from '../grants/testing.helper';
import { dpopTestKey } from '../dpop/dpop-proof.testing';
import { issueTokens } from '../tokens/issue-tokens';
import type { ProviderContext } from '../context';
import type { WireRequest } from '../wire/wire';

const url = `${TEST_ISSUER}/userinfo`;

async function setup() {
  const ctx = await testContext();
  await ctx.stores.owners.save({
    sub: 'alice',
    username: 'alice1',
    name: 'Alice Liddell',
    email: 'alice@example.com',
    phoneNumber: '+4917012345',
    disabled: false,
    createdAt: 0,
  });
  await ctx.stores.clients.save(testClient());
  return ctx;
}

const issue = (ctx: ProviderContext, scope = 'openid profile email phone', jkt?: string) =>
  issueTokens(ctx, { client: testClient(), sub: 'alice', scope, authTime: ctx.clock.now(), jkt });

const get = (headers: Record<string, string>): WireRequest => ({ method: 'GET', url, headers });

describe('handleUserinfo', () => {
  it('returns the claims the scope allows for a Bearer token', async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx);
    const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sub: 'alice',
      name: 'Alice Liddell',
      preferred_username: 'alice1',
      email: 'alice@example.com',
      email_verified: false,
      phone_number: '+4917012345',
      phone_number_verified: false,
    });
  });

  it('answers a signed JWT (application/jwt) with iss and aud to a client that registered userinfo_signed_response_alg', async () => {
    const ctx = await setup();
    await ctx.stores.clients.save(testClient({ userinfoSignedResponseAlg: 'RS256' }));
    const { access_token } = await issue(ctx, 'openid email');
    const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/jwt');
    expect(res.headers['cache-control']).toBe('no-store');
    const jwt = res.body as string;
    expect(decodeProtectedHeader(jwt).alg).toBe('RS256');
    // OIDC Core §5.3.2: iss is the OP, aud the client.
    const { payload } = await ctx.keys.verify(jwt, { audience: 'client-1' });
    expect(payload).toMatchObject({ iss: TEST_ISSUER, aud: 'client-1', sub: 'alice', email: 'alice@example.com' });
  });

  it('returns only sub for the openid scope alone', async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx, 'openid');
    expect((await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }))).body).toEqual({
      sub: 'alice',
    });
  });

  it('accepts the token in a form-encoded POST body (RFC 6750 §2.2)', async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx, 'openid email');
    const res = await handleUserinfo(ctx, formPost(url, { access_token }));
    expect(res.body).toMatchObject({ sub: 'alice', email: 'alice@example.com' });
  });

  it("answers invalid_token once the token's client is disabled or deleted", async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx, 'openid');
    await ctx.stores.clients.save(testClient({ disabled: true }));
    const disabled = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
    expect(disabled.status).toBe(401);
    expect(disabled.body).toMatchObject({ error: 'invalid_token' });
    expect(disabled.headers['www-authenticate']).toContain('error="invalid_token"');
    await ctx.stores.clients.delete('client-1');
    expect((await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }))).status).toBe(401);
  });

  it('answers 401 with a challenge and no error code when no token is sent', async () => {
    const ctx = await setup();
    const res = await handleUserinfo(ctx, get({}));
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer realm=');
    expect(res.headers['www-authenticate']).not.toContain('error=');
  });

  it('answers invalid_token for a forged, expired or wrongly typed token', async () => {
    const ctx = await setup();
    const { access_token, id_token } = await issue(ctx);
    const forged = access_token.slice(0, -4) + (access_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const token of [forged, id_token, 'garbage']) {
      const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${token}` }));
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_token' });
      expect(res.headers['www-authenticate']).toBe('Bearer realm="onboard", error="invalid_token"');
    }
    ctx.clock.advance(ctx.settings.accessTokenTtl * 1000 + 1000);
    const expired = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
    expect(expired.body).toMatchObject({ error: 'invalid_token' });
  });

  it('answers invalid_token for a revoked token and for a token of a revoked family', async () => {
    const ctx = await setup();
    const a = await issue(ctx);
    const b = await issue(ctx);
    const claimsA = decodeJwt(a.access_token);
    await ctx.stores.revocations.revoke(String(claimsA.jti), claimsA.exp! * 1000);
    await ctx.stores.revocations.revokeFamily(String(decodeJwt(b.access_token).grant_id), ctx.clock.now() + 600_000);
    for (const token of [a.access_token, b.access_token]) {
      const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${token}` }));
      expect(res.body).toMatchObject({ error: 'invalid_token' });
    }
  });

  it('answers insufficient_scope (403) for a token without openid', async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx, 'profile');
    const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'insufficient_scope' });
  });

  it('answers invalid_token when the owner is disabled', async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx);
    const owner = (await ctx.stores.owners.find('alice'))!;
    await ctx.stores.owners.save({ ...owner, disabled: true });
    expect((await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }))).body).toMatchObject({
      error: 'invalid_token',
    });
  });

  it('answers invalid_token, after the owner is enabled again, for a token approved before the disable', async () => {
    const ctx = await setup();
    const { access_token } = await issue(ctx);
    const owner = (await ctx.stores.owners.find('alice'))!;
    await ctx.stores.owners.save({ ...owner, disabled: false, disabledAt: ctx.clock.now() + 1 });
    const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });

  describe('with a DPoP-bound token', () => {
    it('accepts the DPoP scheme with a proof by the bound key carrying ath', async () => {
      const ctx = await setup();
      const key = await dpopTestKey();
      const { access_token } = await issue(ctx, 'openid', key.jkt);
      const dpop = await key.proof({ htm: 'GET', htu: url, iat: ctx.clock.now() / 1000, accessToken: access_token });
      const res = await handleUserinfo(ctx, get({ authorization: `DPoP ${access_token}`, dpop }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ sub: 'alice' });
    });

    it('refuses the token used as a Bearer token', async () => {
      const ctx = await setup();
      const key = await dpopTestKey();
      const { access_token } = await issue(ctx, 'openid', key.jkt);
      const res = await handleUserinfo(ctx, get({ authorization: `Bearer ${access_token}` }));
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_token' });
      expect(res.headers['www-authenticate']).toMatch(/^DPoP error="invalid_token", algs=/);
    });

    it('refuses a proof made with another key', async () => {
      const ctx = await setup();
      const key = await dpopTestKey();
      const thief = await dpopTestKey();
      const { access_token } = await issue(ctx, 'openid', key.jkt);
      const dpop = await thief.proof({ htm: 'GET', htu: url, iat: ctx.clock.now() / 1000, accessToken: access_token });
      const res = await handleUserinfo(ctx, get({ authorization: `DPoP ${access_token}`, dpop }));
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ error: 'invalid_token' });
    });

    it('answers 401 invalid_dpop_proof with a DPoP challenge for a missing proof, a wrong ath or a replay', async () => {
      const ctx = await setup();
      const key = await dpopTestKey();
      const { access_token } = await issue(ctx, 'openid', key.jkt);
      const iat = ctx.clock.now() / 1000;
      const missing = await handleUserinfo(ctx, get({ authorization: `DPoP ${access_token}` }));
      const wrongAth = await handleUserinfo(
        ctx,
        get({
          authorization: `DPoP ${access_token}`,
          dpop: await key.proof({ htm: 'GET', htu: url, iat, accessToken: 'other' }),
        }),
      );
      const proof = await key.proof({ htm: 'GET', htu: url, iat, accessToken: access_token });
      const first = await handleUserinfo(ctx, get({ authorization: `DPoP ${access_token}`, dpop: proof }));
      const replay = await handleUserinfo(ctx, get({ authorization: `DPoP ${access_token}`, dpop: proof }));
      expect(first.status).toBe(200);
      for (const res of [missing, wrongAth, replay]) {
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ error: 'invalid_dpop_proof' });
        expect(res.headers['www-authenticate']).toMatch(
          /^DPoP error="invalid_dpop_proof", algs="ES256 PS256 RS256 EdDSA"$/,
        );
      }
    });

    it('refuses a Bearer token sent with the DPoP scheme', async () => {
      const ctx = await setup();
      const { access_token } = await issue(ctx, 'openid');
      const res = await handleUserinfo(ctx, get({ authorization: `DPoP ${access_token}` }));
      expect(res.body).toMatchObject({ error: 'invalid_token' });
    });
  });
});
