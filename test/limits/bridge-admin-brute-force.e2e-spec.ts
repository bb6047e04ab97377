import { startAdminApi } from '../bridge-admin/admin-harness';
import { startProvider, type TestProvider } from '../support/provider';

// README, "Limits": wrong bridge admin tokens are counted per remote address; after 20 the
// address gets 429 slow_down with Retry-After, even with the right token.
describe('brute force on the bridge admin token', () => {
  let provider: TestProvider;
  let api: Awaited<ReturnType<typeof startAdminApi>>;

  beforeAll(async () => {
    provider = await startProvider({ inMemory: true });
    api = await startAdminApi(provider);
  });
  afterAll(async () => {
    await api?.close();
    await provider?.close();
  });

  it('blocks an address after 20 wrong tokens: the right token then gets 429 with Retry-After', async () => {
    expect((await api.call('GET', '/admin/v1/devices')).status).toBe(200);
    for (let i = 0; i < 20; i++) {
      expect((await api.call('GET', '/admin/v1/devices', undefined, `wrong-token-${i}`)).status).toBe(401);
    }
    const blocked = await api.call('GET', '/admin/v1/devices');
    expect(blocked.status).toBe(429);
    expect(blocked.json.error).toBe('slow_down');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(890);
  });
});
