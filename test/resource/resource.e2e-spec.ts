import { PATHS } from '@onboard/ciba-core';
import { get, postForm, send } from '../support/http';
import { startProvider, type TestProvider } from '../support/provider';
import {
  authedPost,
  completePollFlow,
  createOwner,
  refresh,
  registerClient,
  type TestClient,
  type TestOwner,
} from '../support/fixtures';
import { expectOAuthError, expectOk } from '../support/expect';

// Userinfo (OIDC Core §5.3), introspection (RFC 7662), revocation (RFC 7009).
describe('resource endpoints', () => {
  let p: TestProvider;
  let owner: TestOwner;
  let client: TestClient;
  let other: TestClient;

  const introspect = (token: string, c: TestClient = client, hint?: string) =>
    authedPost(p, c, PATHS.introspection, { token, token_type_hint: hint });
  const revoke = (token: string, c: TestClient = client, hint?: string) =>
    authedPost(p, c, PATHS.revocation, { token, token_type_hint: hint });
  const userinfo = (accessToken: string) => get(p.at(PATHS.userinfo), { authorization: `Bearer ${accessToken}` });

  beforeAll(async () => {
    p = await startProvider({ inMemory: true });
    owner = await createOwner(p);
    client = await registerClient(p);
    other = await registerClient(p, { authMethod: 'client_secret_post' });
  });
  afterAll(() => p?.close());

  describe('userinfo', () => {
    it('returns the owner claims the scopes allow', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid email' });
      const res = await userinfo(tokens.access_token);
      const body = expectOk(res);
      expect(body.sub).toBe(owner.sub);
      expect(body.email).toBe(owner.email);
      expect(body.phone_number).toBeUndefined();
    });

    it('returns only sub for scope openid', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid' });
      const body = expectOk(await userinfo(tokens.access_token));
      expect(body.sub).toBe(owner.sub);
      expect(body.email).toBeUndefined();
    });

    it('answers 401 with a Bearer challenge without a token', async () => {
      const res = await get(p.at(PATHS.userinfo));
      expect(res.status).toBe(401);
      expect(String(res.headers['www-authenticate'])).toMatch(/^(Bearer|DPoP)/);
    });

    it('answers 401 invalid_token for a forged or tampered token', async () => {
      const { tokens } = await completePollFlow(p, client, owner);
      const [h, , s] = tokens.access_token.split('.');
      const forgedPayload = Buffer.from(JSON.stringify({ sub: 'someone-else', iss: p.issuer })).toString('base64url');
      for (const bad of ['garbage', `${h}.${forgedPayload}.${s}`]) {
        const res = await userinfo(bad);
        expect(res.status).toBe(401);
        expect(String(res.headers['www-authenticate'])).toContain('invalid_token');
      }
    });
  });

  describe('introspection (RFC 7662)', () => {
    it('describes an active access token', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      const body = expectOk(await introspect(tokens.access_token));
      expect(body.active).toBe(true);
      expect(body.sub).toBe(owner.sub);
      expect(body.client_id).toBe(client.clientId);
      expect(String(body.scope).split(' ')).toContain('openid');
      expect(body.exp).toBeGreaterThan(Date.now() / 1000);
    });

    it('describes an active refresh token', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      const body = expectOk(await introspect(tokens.refresh_token, client, 'refresh_token'));
      expect(body.active).toBe(true);
      expect(body.client_id).toBe(client.clientId);
    });

    it('answers active:false and nothing else for an unknown token', async () => {
      const body = expectOk(await introspect('no-such-token'));
      expect(body).toEqual({ active: false });
    });

    it('requires client authentication', async () => {
      const { tokens } = await completePollFlow(p, client, owner);
      expectOAuthError(
        await postForm(p.at(PATHS.introspection), { token: tokens.access_token }),
        401,
        'invalid_client',
      );
    });

    it('answers invalid_request without a token parameter', async () => {
      expectOAuthError(await authedPost(p, client, PATHS.introspection, {}), 400, 'invalid_request');
    });

    it('does not describe a refresh token issued to another client', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      const body = expectOk(await introspect(tokens.refresh_token, other, 'refresh_token'));
      expect(body).toEqual({ active: false });
    });
  });

  describe('revocation (RFC 7009)', () => {
    it('revokes an access token: introspection and userinfo stop accepting it', async () => {
      const { tokens } = await completePollFlow(p, client, owner);
      const res = await revoke(tokens.access_token, client, 'access_token');
      expect(res.status).toBe(200);
      expect(expectOk(await introspect(tokens.access_token)).active).toBe(false);
      expect((await userinfo(tokens.access_token)).status).toBe(401);
    });

    it('revokes a refresh token: it can no longer be refreshed', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      expect((await revoke(tokens.refresh_token, client, 'refresh_token')).status).toBe(200);
      expectOAuthError(await refresh(p, client, tokens.refresh_token), 400, 'invalid_grant');
    });

    it('revokes a refresh token without a hint', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      expect((await revoke(tokens.refresh_token)).status).toBe(200);
      expectOAuthError(await refresh(p, client, tokens.refresh_token), 400, 'invalid_grant');
    });

    it('answers 200 for an unknown token (RFC 7009 §2.2)', async () => {
      expect((await revoke('no-such-token')).status).toBe(200);
    });

    it("does not let another client revoke a client's token", async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      await revoke(tokens.refresh_token, other);
      expectOk(await refresh(p, client, tokens.refresh_token));
    });

    it('requires client authentication', async () => {
      const res = await postForm(p.at(PATHS.revocation), { token: 'x' });
      expectOAuthError(res, 401, 'invalid_client');
    });

    it('answers unsupported_token_type for an unknown hint, or ignores it', async () => {
      const res = await revoke('no-such-token', client, 'saml_assertion');
      if (res.status !== 200) expectOAuthError(res, 400, 'unsupported_token_type');
    });
  });

  describe('refresh token reuse detection', () => {
    it('revokes the access tokens of the family when a rotated refresh token is reused', async () => {
      const { tokens } = await completePollFlow(p, client, owner, { scope: 'openid offline_access' });
      const rotated = expectOk(await refresh(p, client, tokens.refresh_token));
      expect(expectOk(await introspect(rotated.access_token)).active).toBe(true);
      expectOAuthError(await refresh(p, client, tokens.refresh_token), 400, 'invalid_grant');
      expect(expectOk(await introspect(rotated.access_token)).active).toBe(false);
      expect((await userinfo(rotated.access_token)).status).toBe(401);
    });
  });

  it('userinfo also answers POST with the token in the header', async () => {
    const { tokens } = await completePollFlow(p, client, owner);
    const res = await send({
      method: 'POST',
      url: p.at(PATHS.userinfo),
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    expect(expectOk(res).sub).toBe(owner.sub);
  });
});
