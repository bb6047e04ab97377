import { randomBytes } from 'node:crypto';
import { startProvider, type TestProvider } from '../support/provider';
import { startAdminApi } from './admin-harness';
import { createDeviceKeys } from './device-keys';

const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';
const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

async function providerClient(provider: TestProvider, clientId: string): Promise<Record<string, any> | undefined> {
  const res = await fetch(`${provider.url}/admin/v1/clients`, {
    headers: { authorization: `Bearer ${provider.adminToken}` },
  });
  const body = (await res.json()) as { clients: Array<Record<string, any>> };
  return body.clients.find((c) => c.client_id === clientId);
}

describe('bridge admin API: device registration and revocation', () => {
  let provider: TestProvider;
  let api: Awaited<ReturnType<typeof startAdminApi>>;
  beforeAll(async () => {
    provider = await startProvider({ inMemory: true });
    api = await startAdminApi(provider);
  });
  afterAll(async () => {
    await api.close();
    await provider.close();
  });

  it('registers a device at the bridge and as a push-mode CIBA client at the provider', async () => {
    const device = await createDeviceKeys(unique('hu'));
    const res = await api.call('POST', '/admin/v1/devices', {
      device_id: device.deviceId,
      jwks: device.jwks,
      name: 'Test car',
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ outcome: 'registered', device_id: device.deviceId, status: 'active' });
    expect(res.json.jwks.keys).toHaveLength(2);
    expect((await api.registry.find(device.deviceId))?.status).toBe('active');

    const client = await providerClient(provider, device.deviceId);
    expect(client).toMatchObject({
      client_id: device.deviceId,
      client_name: 'Test car',
      backchannel_token_delivery_mode: 'push',
      backchannel_client_notification_endpoint: `${api.base}/ciba/notify`,
      token_endpoint_auth_method: 'private_key_jwt',
      backchannel_authentication_request_signing_alg: 'ES256',
      dpop_bound_access_tokens: true,
      disabled: false,
    });
    expect(client?.grant_types).toEqual(expect.arrayContaining([CIBA_GRANT, 'refresh_token']));
    expect(client?.jwks.keys.map((k: { use: string }) => k.use).sort()).toEqual(['enc', 'sig']);
  });

  it('answers a repeated registration with the same keys as unchanged and refuses other keys', async () => {
    const device = await createDeviceKeys(unique('hu'));
    const body = { device_id: device.deviceId, jwks: device.jwks };
    expect((await api.call('POST', '/admin/v1/devices', body)).status).toBe(201);
    const again = await api.call('POST', '/admin/v1/devices', body);
    expect(again.status).toBe(200);
    expect(again.json.outcome).toBe('unchanged');
    const other = await createDeviceKeys(device.deviceId);
    const conflict = await api.call('POST', '/admin/v1/devices', { device_id: device.deviceId, jwks: other.jwks });
    expect(conflict.status).toBe(409);
    expect(conflict.json.error).toBe('device_exists');
  });

  it('refuses bad key sets and device ids before anything reaches the provider', async () => {
    const device = await createDeviceKeys(unique('hu'));
    const [sig, enc] = device.jwks.keys;
    const cases: unknown[] = [
      { device_id: device.deviceId, jwks: { keys: [sig] } },
      { device_id: device.deviceId, jwks: { keys: [sig, { ...enc, d: 'c2VjcmV0' }] } },
      { device_id: device.deviceId, jwks: { keys: [sig, { ...enc, crv: 'Ed25519' }] } },
      { device_id: device.deviceId, jwks: { keys: [sig, { ...sig, use: 'enc' }] } },
      { device_id: 'VIN:WVW123/456', jwks: device.jwks },
      { device_id: device.deviceId, jwks: device.jwks, name: 42 },
    ];
    for (const body of cases) {
      const res = await api.call('POST', '/admin/v1/devices', body);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe('invalid_request');
      expect(JSON.stringify(res.json)).not.toContain('c2VjcmV0');
    }
    expect((await api.call('POST', '/admin/v1/devices', '{not json')).status).toBe(400);
    expect(await providerClient(provider, device.deviceId)).toBeUndefined();
    expect(await api.registry.find(device.deviceId)).toBeUndefined();
  });

  it('refuses unknown fields, naming them, before anything reaches the provider', async () => {
    const device = await createDeviceKeys(unique('hu'));
    const res = await api.call('POST', '/admin/v1/devices', {
      device_id: device.deviceId,
      jwks: device.jwks,
      vin: 'x',
    });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_request');
    expect(res.json.error_description).toMatch(/unknown field 'vin'.*device_id, jwks, name/);
    expect(await providerClient(provider, device.deviceId)).toBeUndefined();
    expect(await api.registry.find(device.deviceId)).toBeUndefined();

    const lines = [
      JSON.stringify({ device_id: device.deviceId, jwks: device.jwks, nmae: 'typo' }),
      JSON.stringify({ device_id: unique('hu'), jwks: device.jwks }),
    ].join('\n');
    const imported = await api.call('POST', '/admin/v1/devices:import', lines);
    expect(imported.json).toMatchObject({ registered: 1, failed: 1 });
    expect(imported.json.results[0]).toMatchObject({ line: 1, outcome: 'failed', error: 'invalid_request' });
    expect(imported.json.results[0].error_description).toMatch(/unknown field 'nmae'/);
    expect(await api.registry.find(device.deviceId)).toBeUndefined();

    const registered = imported.json.results[1].device_id;
    const disable = await api.call('POST', `/admin/v1/devices/${registered}/disable`, { reason: 'stolen' });
    expect(disable.status).toBe(400);
    expect(disable.json.error_description).toMatch(/unknown field 'reason'.*no fields/);
    expect((await api.registry.find(registered))?.status).toBe('active');
    expect((await api.call('POST', `/admin/v1/devices/${registered}/disable`, {})).status).toBe(200);
  });

  it('requires the admin bearer token', async () => {
    const none = await fetch(`${api.base}/admin/v1/devices`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="bridge-admin"');
    const wrong = await api.call('GET', '/admin/v1/devices', undefined, api.adminToken + 'x');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('disables and revokes: status changes, the connection is closed and the provider client is disabled', async () => {
    const device = await createDeviceKeys(unique('hu'));
    await api.call('POST', '/admin/v1/devices', { device_id: device.deviceId, jwks: device.jwks });
    const disabled = await api.call('POST', `/admin/v1/devices/${device.deviceId}/disable`);
    expect(disabled.status).toBe(200);
    expect(disabled.json.status).toBe('disabled');
    expect(api.disconnected).toContain(device.deviceId);
    expect((await providerClient(provider, device.deviceId))?.disabled).toBe(true);

    const revoked = await api.call('POST', `/admin/v1/devices/${device.deviceId}/revoke`);
    expect(revoked.json.status).toBe('revoked');
    expect((await api.call('GET', `/admin/v1/devices/${device.deviceId}`)).json.status).toBe('revoked');
    const back = await api.call('POST', `/admin/v1/devices/${device.deviceId}/disable`);
    expect(back.status).toBe(409);
    expect(back.json.error).toBe('device_revoked');
    const reRegister = await api.call('POST', '/admin/v1/devices', { device_id: device.deviceId, jwks: device.jwks });
    expect(reRegister.status).toBe(409);
    expect((await api.call('POST', '/admin/v1/devices/nobody-here/revoke')).status).toBe(404);
  });

  it('imports a fleet file with a result per line, in parallel, and lists it page by page', async () => {
    const prefix = unique('fleet');
    const count = 300;
    const lines: string[] = [];
    const template = await createDeviceKeys('template');
    for (let i = 0; i < count; i++) {
      // Distinct ids; the keys of one pair are reused to keep key generation out of the timing.
      lines.push(JSON.stringify({ device_id: `${prefix}-${String(i).padStart(4, '0')}`, jwks: template.jwks }));
    }
    lines.splice(10, 0, '{broken');
    lines.splice(20, 0, JSON.stringify({ device_id: `${prefix}-0000`, jwks: template.jwks }));
    lines.splice(30, 0, JSON.stringify({ device_id: `${prefix}-bad`, jwks: { keys: [] } }));
    lines.splice(40, 0, '');
    const started = performance.now();
    const res = await api.call('POST', '/admin/v1/devices:import', lines.join('\n') + '\n');
    const ms = performance.now() - started;
    process.stdout.write(`bridge admin import: ${count} devices in ${ms.toFixed(0)} ms\n`);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ registered: count, unchanged: 0, failed: 3 });
    expect(res.json.results).toHaveLength(count + 3);
    expect(res.json.results[10]).toMatchObject({ line: 11, outcome: 'failed', error: 'invalid_request' });
    expect(res.json.results[20]).toMatchObject({ line: 21, device_id: `${prefix}-0000`, error: 'duplicate' });
    expect(res.json.results[30]).toMatchObject({ line: 31, error: 'invalid_request' });
    expect(res.json.results[41]).toMatchObject({ line: 43, outcome: 'registered' });
    expect(await providerClient(provider, `${prefix}-0299`)).toBeDefined();

    const again = await api.call('POST', '/admin/v1/devices:import', lines.slice(0, 5).join('\n'));
    expect(again.json).toMatchObject({ registered: 0, unchanged: 5, failed: 0 });

    const first = await api.call('GET', `/admin/v1/devices?limit=100&after=${prefix}`);
    expect(first.json.devices).toHaveLength(100);
    expect(first.json.devices[0].device_id).toBe(`${prefix}-0000`);
    const second = await api.call('GET', `/admin/v1/devices?limit=100&after=${first.json.next_after}`);
    expect(second.json.devices[0].device_id).toBe(`${prefix}-0100`);
    expect((await api.call('GET', '/admin/v1/devices?status=sleeping')).status).toBe(400);
  });

  it('stores nothing when the provider refuses or cannot be reached, and says so', async () => {
    const refusing = await startAdminApi(provider, { providerToken: 'wrong-provider-admin-token' });
    const dead = await startAdminApi({ ...provider, url: 'http://127.0.0.1:1' });
    try {
      const device = await createDeviceKeys(unique('hu'));
      const body = { device_id: device.deviceId, jwks: device.jwks };
      const refused = await refusing.call('POST', '/admin/v1/devices', body);
      expect(refused.status).toBe(502);
      expect(refused.json.error).toBe('provider_error');
      const unreachable = await dead.call('POST', '/admin/v1/devices', body);
      expect(unreachable.status).toBe(503);
      expect(unreachable.json.error).toBe('provider_unreachable');
      // names what could not be reached and why, not just "fetch failed"
      expect(unreachable.json.error_description).toContain('cannot reach http://127.0.0.1:1/admin/v1/clients: ');
      expect(unreachable.json.error_description).not.toContain('fetch failed');
      expect(await refusing.registry.find(device.deviceId)).toBeUndefined();
      expect(await dead.registry.find(device.deviceId)).toBeUndefined();
    } finally {
      await refusing.close();
      await dead.close();
    }
  });
});
