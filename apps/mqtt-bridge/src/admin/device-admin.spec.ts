import { MemoryDeviceRegistry } from '@onboard/bridge-core';
import { DeviceAdmin, DeviceAdminError, PROVIDER_IMPORT_CHUNK, mapBounded } from './device-admin';
import { ProviderAdminError, type ProviderAdmin } from './provider-admin';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const sig = {
  kty: 'EC',
  crv: 'P-256',
  use: 'sig',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};
const enc = { kty: 'OKP', crv: 'X25519', use: 'enc', x: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' };

function setup(provider: Partial<ProviderAdmin> = {}) {
  const registry = new MemoryDeviceRegistry();
  const disconnected: string[] = [];
  const admin = new DeviceAdmin({
    registry,
    provider: { registerClient: async () => {}, disableClient: async () => {}, ...provider },
    connections: { disconnect: (id) => disconnected.push(id) },
    clock: { now: () => 1_000 },
    logger: silent,
    notificationEndpoint: 'http://bridge.test/ciba/notify',
    concurrency: 4,
  });
  return { admin, registry, disconnected };
}

describe('device admin', () => {
  it('runs at most `limit` calls at once and keeps the input order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, n));
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0, 60]);
    expect(peak).toBe(3);
  });

  it('sends the provider the push-mode, DPoP-bound, encrypted-token-response client metadata', async () => {
    const sent: Record<string, unknown>[] = [];
    const { admin } = setup({ registerClient: async (m) => void sent.push(m) });
    await admin.register({ deviceId: 'hu-1', jwks: { keys: [sig, enc] } });
    expect(sent[0]).toEqual({
      client_id: 'hu-1',
      grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      jwks: { keys: [sig, enc] },
      backchannel_token_delivery_mode: 'push',
      backchannel_client_notification_endpoint: 'http://bridge.test/ciba/notify',
      backchannel_authentication_request_signing_alg: 'ES256',
      dpop_bound_access_tokens: true,
      id_token_signed_response_alg: 'ES256',
      token_response_encryption_alg: 'ECDH-ES+A256KW',
      token_response_encryption_enc: 'A256GCM',
    });
  });

  it('disables at the bridge even when the provider is down, and a repeat updates the provider', async () => {
    let providerUp = false;
    const disabledAtProvider: string[] = [];
    const { admin, registry, disconnected } = setup({
      disableClient: async (id) => {
        if (!providerUp) throw new ProviderAdminError(0, 'provider_unreachable', 'connection refused');
        disabledAtProvider.push(id);
      },
    });
    await admin.register({ deviceId: 'hu-2', jwks: { keys: [sig, enc] } });
    await expect(admin.disable('hu-2')).rejects.toMatchObject({ status: 503, code: 'provider_unreachable' });
    expect((await registry.find('hu-2'))?.status).toBe('disabled');
    expect(disconnected).toEqual(['hu-2']);
    providerUp = true;
    await expect(admin.disable('hu-2')).resolves.toMatchObject({ status: 'disabled' });
    expect(disabledAtProvider).toEqual(['hu-2']);
  });

  it('reports each bad import line without stopping the others', async () => {
    const { admin } = setup();
    const results = await admin.import([
      { line: 1, registration: { deviceId: 'hu-3', jwks: { keys: [sig, enc] } } },
      { line: 2, problem: 'line is not JSON' },
      { line: 3, registration: { deviceId: 'hu-4', jwks: { keys: [sig] } } },
    ]);
    expect(results.map((r) => r.outcome)).toEqual(['registered', 'failed', 'failed']);
    expect(results[2]).toMatchObject({ deviceId: 'hu-4', error: 'invalid_request' });
  });

  it('imports new devices through bulk registrations at the provider, in chunks, and stores the registered ones', async () => {
    const calls: string[][] = [];
    const { admin, registry } = setup({
      registerClient: async () => {
        throw new Error('one call per device where the provider takes them in bulk');
      },
      registerClients: async (list) => {
        calls.push(list.map((m) => m.client_id as string));
        return list.map((m) =>
          m.client_id === 'hu-refused'
            ? { ok: false, error: 'invalid_client_metadata', description: 'no' }
            : { ok: true },
        );
      },
    });
    const ids = Array.from({ length: PROVIDER_IMPORT_CHUNK + 2 }, (_, i) => `hu-bulk-${i}`);
    const results = await admin.import([
      ...ids.map((deviceId, i) => ({ line: i + 1, registration: { deviceId, jwks: { keys: [sig, enc] } } })),
      { line: 900, registration: { deviceId: 'hu-refused', jwks: { keys: [sig, enc] } } },
      { line: 901, registration: { deviceId: 'hu-bulk-0', jwks: { keys: [sig, enc] } } },
    ]);
    expect(calls.map((c) => c.length)).toEqual([PROVIDER_IMPORT_CHUNK, 3]);
    expect(calls[1]).toEqual([
      `hu-bulk-${PROVIDER_IMPORT_CHUNK}`,
      `hu-bulk-${PROVIDER_IMPORT_CHUNK + 1}`,
      'hu-refused',
    ]);
    expect(results.filter((r) => r.outcome === 'registered')).toHaveLength(ids.length);
    expect(results.at(-2)).toMatchObject({
      line: 900,
      deviceId: 'hu-refused',
      outcome: 'failed',
      error: 'provider_error',
    });
    expect(results.at(-1)).toMatchObject({ line: 901, outcome: 'failed', error: 'duplicate' });
    expect(await registry.find('hu-refused')).toBeUndefined();
    expect((await registry.find(`hu-bulk-${PROVIDER_IMPORT_CHUNK + 1}`))?.status).toBe('active');
    // the same file again: nothing new reaches the provider
    const again = await admin.import([
      { line: 1, registration: { deviceId: 'hu-bulk-1', jwks: { keys: [sig, enc] } } },
    ]);
    expect(again).toEqual([{ line: 1, deviceId: 'hu-bulk-1', outcome: 'unchanged' }]);
    expect(calls).toHaveLength(2);
  });

  it('registers one device per call at a provider without the bulk endpoint (404), and fails a chunk the provider could not take', async () => {
    const single: string[] = [];
    let bulkCalls = 0;
    const { admin } = setup({
      registerClient: async (m) => void single.push(m.client_id as string),
      registerClients: async () => {
        bulkCalls++;
        throw new ProviderAdminError(404, 'http_404');
      },
    });
    const line = (n: number) => ({ line: n, registration: { deviceId: `hu-old-${n}`, jwks: { keys: [sig, enc] } } });
    expect((await admin.import([line(1), line(2)])).map((r) => r.outcome)).toEqual(['registered', 'registered']);
    expect((await admin.import([line(3)])).map((r) => r.outcome)).toEqual(['registered']);
    expect(single.sort()).toEqual(['hu-old-1', 'hu-old-2', 'hu-old-3']);
    expect(bulkCalls).toBe(1);

    const down = setup({
      registerClients: async () => {
        throw new ProviderAdminError(0, 'provider_unreachable', 'connection refused');
      },
    });
    const results = await down.admin.import([line(4)]);
    expect(results).toEqual([expect.objectContaining({ line: 4, outcome: 'failed', error: 'provider_unreachable' })]);
    expect(await down.registry.find('hu-old-4')).toBeUndefined();
  });

  it('is a typed error for an unknown device', async () => {
    const { admin } = setup();
    await expect(admin.revoke('nobody')).rejects.toBeInstanceOf(DeviceAdminError);
  });
});
