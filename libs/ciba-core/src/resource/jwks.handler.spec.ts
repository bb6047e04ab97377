import { handleJwks } from './jwks.handler';
import { TEST_ISSUER, testContext } from '../grants/testing.helper';

describe('handleJwks', () => {
  it('serves the public key set as application/jwk-set+json, briefly cacheable', async () => {
    const ctx = await testContext();
    const res = await handleJwks(ctx, { method: 'GET', url: `${TEST_ISSUER}/jwks`, headers: {} });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/jwk-set+json');
    expect(res.headers['cache-control']).toBe('public, max-age=60');
    const { keys } = res.body as { keys: Record<string, unknown>[] };
    expect(keys.map((k) => k.alg).sort()).toEqual(['ES256', 'PS256', 'RS256']);
    expect(keys.some((k) => 'd' in k)).toBe(false);
  });

  it('publishes the new and the retired keys after a rotation', async () => {
    const ctx = await testContext();
    const kids = await ctx.keys.rotate();
    const res = await handleJwks(ctx, { method: 'GET', url: `${TEST_ISSUER}/jwks`, headers: {} });
    const published = (res.body as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(published).toHaveLength(6);
    expect(published).toEqual(expect.arrayContaining(kids));
  });
});
