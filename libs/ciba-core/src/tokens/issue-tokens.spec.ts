import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { issueTokens, AUTH_REQ_ID_CLAIM, RT_HASH_CLAIM, GRANT_ID_CLAIM } from './issue-tokens';
import { leftHalfSha256, sha256Base64url } from './token-hashes';
import { testClient, testContext, TEST_ISSUER } from '../grants/testing.helper';

/** Independent at_hash: left-most 128 bits of SHA-256 over the ASCII token, base64url (OIDC Core §3.3.2.11). */
function independentHalfHash(token: string): string {
  const full = createHash('sha256').update(Buffer.from(token, 'ascii')).digest();
  return Buffer.from(full.subarray(0, 16)).toString('base64url');
}

describe('issueTokens', () => {
  const authTime = Date.UTC(2030, 0, 1) - 5000;

  it('issues an RFC 9068 access token with the grant claims', async () => {
    const ctx = await testContext();
    const client = testClient();
    const res = await issueTokens(ctx, {
      client,
      sub: 'alice',
      scope: 'openid profile',
      authTime,
      acr: 'urn:onboard:acr:passkey',
      authorizationDetails: [{ type: 'car_unlock' }],
    });
    expect(decodeProtectedHeader(res.access_token).typ).toBe('at+jwt');
    const { payload } = await ctx.keys.verify(res.access_token, { typ: 'at+jwt', audience: TEST_ISSUER });
    expect(payload).toMatchObject({
      iss: TEST_ISSUER,
      sub: 'alice',
      aud: TEST_ISSUER,
      client_id: 'client-1',
      scope: 'openid profile',
      auth_time: Math.floor(authTime / 1000),
      acr: 'urn:onboard:acr:passkey',
      authorization_details: [{ type: 'car_unlock' }],
    });
    expect(payload.exp! - payload.iat!).toBe(ctx.settings.accessTokenTtl);
    expect(typeof payload.jti).toBe('string');
    expect(typeof payload[GRANT_ID_CLAIM]).toBe('string');
    expect(payload.cnf).toBeUndefined();
    expect(res.token_type).toBe('Bearer');
    expect(res.expires_in).toBe(ctx.settings.accessTokenTtl);
  });

  it('binds the access token to the DPoP key and says token_type DPoP', async () => {
    const ctx = await testContext();
    const res = await issueTokens(ctx, { client: testClient(), sub: 'a', scope: 'openid', authTime, jkt: 'thumb' });
    expect(res.token_type).toBe('DPoP');
    expect(decodeJwt(res.access_token).cnf).toEqual({ jkt: 'thumb' });
    const [record] = [await ctx.stores.refreshTokens.find(sha256Base64url(res.refresh_token!))];
    expect(record?.jkt).toBe('thumb');
  });

  it('puts correct at_hash, rt_hash and auth_req_id claims in the ID token', async () => {
    const ctx = await testContext();
    const res = await issueTokens(ctx, {
      client: testClient(),
      sub: 'alice',
      scope: 'openid',
      authTime,
      acr: 'urn:onboard:acr:device',
      amr: ['hwk', 'user'],
      authReqId: 'req-123',
    });
    const { payload } = await ctx.keys.verify(res.id_token, { audience: 'client-1' });
    expect(payload.at_hash).toBe(independentHalfHash(res.access_token));
    expect(payload[RT_HASH_CLAIM]).toBe(independentHalfHash(res.refresh_token!));
    expect(payload[AUTH_REQ_ID_CLAIM]).toBe('req-123');
    expect(payload).toMatchObject({
      iss: TEST_ISSUER,
      sub: 'alice',
      aud: 'client-1',
      auth_time: Math.floor(authTime / 1000),
      acr: 'urn:onboard:acr:device',
      amr: ['hwk', 'user'],
    });
    expect(payload.exp! - payload.iat!).toBe(ctx.settings.idTokenTtl);
    expect((payload.at_hash as string).length).toBe(22);
  });

  it('computes the half hash as the left 16 bytes of sha-256', () => {
    expect(leftHalfSha256('jHkWEdUXMU1BwAsC4vtUsZwnNyrSCDnrV5ZSs5M1mbs')).toBe(
      independentHalfHash('jHkWEdUXMU1BwAsC4vtUsZwnNyrSCDnrV5ZSs5M1mbs'),
    );
  });

  it('stores only the hash of the refresh token, in a family, with the grant details', async () => {
    const ctx = await testContext();
    const res = await issueTokens(ctx, { client: testClient(), sub: 'alice', scope: 'openid', authTime, amr: ['hwk'] });
    expect(res.refresh_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const record = await ctx.stores.refreshTokens.find(sha256Base64url(res.refresh_token!));
    expect(record).toMatchObject({
      clientId: 'client-1',
      sub: 'alice',
      scope: 'openid',
      authTime,
      amr: ['hwk'],
      revoked: false,
    });
    expect(record?.familyId).toBe(decodeJwt(res.access_token)[GRANT_ID_CLAIM]);
    expect(record!.expiresAt - ctx.clock.now()).toBe(ctx.settings.refreshTokenTtl * 1000);
    expect(JSON.stringify(record)).not.toContain(res.refresh_token);
  });

  it('issues no refresh token (and no rt_hash) to a client without the refresh_token grant', async () => {
    const ctx = await testContext();
    const client = testClient({ grantTypes: ['urn:openid:params:grant-type:ciba'] });
    const res = await issueTokens(ctx, { client, sub: 'alice', scope: 'openid', authTime });
    expect(res.refresh_token).toBeUndefined();
    expect(decodeJwt(res.id_token)[RT_HASH_CLAIM]).toBeUndefined();
  });

  it('keeps the given family id, refresh scope and absolute expiry when rotating', async () => {
    const ctx = await testContext();
    const res = await issueTokens(ctx, {
      client: testClient(),
      sub: 'alice',
      scope: 'openid',
      authTime,
      familyId: 'fam-1',
      refreshTokenScope: 'openid profile',
      refreshTokenExpiresAt: 42,
    });
    expect(decodeJwt(res.access_token)[GRANT_ID_CLAIM]).toBe('fam-1');
    const record = await ctx.stores.refreshTokens.find(sha256Base64url(res.refresh_token!));
    expect(record).toMatchObject({ familyId: 'fam-1', scope: 'openid profile', expiresAt: 42 });
    expect(res.scope).toBe('openid');
  });

  it('signs the ID token with RS256 for a client that registered no alg (OIDC Registration §2)', async () => {
    const ctx = await testContext();
    const res = await issueTokens(ctx, { client: testClient(), sub: 'alice', scope: 'openid', authTime });
    expect(decodeProtectedHeader(res.id_token).alg).toBe('RS256');
    expect(decodeProtectedHeader(res.access_token).alg).toBe('ES256');
    expect((await ctx.keys.verify(res.id_token, { audience: 'client-1' })).payload.sub).toBe('alice');
  });

  it.each(['ES256', 'PS256', 'RS256'] as const)('signs the ID token with the %s the client registered', async (alg) => {
    const ctx = await testContext();
    const client = testClient({ idTokenSignedResponseAlg: alg });
    const res = await issueTokens(ctx, { client, sub: 'alice', scope: 'openid', authTime });
    expect(decodeProtectedHeader(res.id_token).alg).toBe(alg);
    expect((await ctx.keys.verify(res.id_token, { audience: 'client-1' })).payload.sub).toBe('alice');
  });

  it('signs a FAPI client without a registered alg with PS256, never RS256 (FAPI 1.0 Advanced §8.6)', async () => {
    const ctx = await testContext();
    ctx.settings.accessTokenSigningAlg = 'RS256';
    const res = await issueTokens(ctx, {
      client: testClient({ fapiCiba: true }),
      sub: 'alice',
      scope: 'openid',
      authTime,
    });
    expect(decodeProtectedHeader(res.id_token).alg).toBe('PS256');
    expect(decodeProtectedHeader(res.access_token).alg).toBe('PS256');
  });

  it('signs access tokens with the configured ACCESS_TOKEN_SIGNING_ALG', async () => {
    const ctx = await testContext();
    ctx.settings.accessTokenSigningAlg = 'RS256';
    const res = await issueTokens(ctx, { client: testClient(), sub: 'alice', scope: 'openid', authTime });
    expect(decodeProtectedHeader(res.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect((await ctx.keys.verify(res.access_token, { typ: 'at+jwt', audience: TEST_ISSUER })).payload.sub).toBe(
      'alice',
    );
  });
});
