import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { runBridgeAdminCli } from '../../apps/mqtt-bridge/src/admin/bridge-admin-cli';
import { startProvider, type TestProvider } from '../support/provider';
import { startAdminApi } from './admin-harness';
import { createDeviceKeys } from './device-keys';

describe('bridge admin CLI over the admin HTTP API', () => {
  let provider: TestProvider;
  let api: Awaited<ReturnType<typeof startAdminApi>>;
  let dir: string;
  beforeAll(async () => {
    provider = await startProvider({ inMemory: true });
    api = await startAdminApi(provider);
    dir = mkdtempSync(join(tmpdir(), 'bridge-cli-'));
  });
  afterAll(async () => {
    await api.close();
    await provider.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runBridgeAdminCli(argv, {
      stdout: (t) => void (out += t),
      stderr: (t) => void (err += t),
      env: { BRIDGE_ADMIN_URL: api.base, BRIDGE_ADMIN_TOKEN: api.adminToken },
    });
    return { code, out, err };
  }

  it('registers, imports, lists, disables and revokes devices', async () => {
    const id = `cli-${randomBytes(4).toString('hex')}`;
    const device = await createDeviceKeys(id);
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify(device.jwks));
    expect(await cli('devices', 'register', '--device-id', id, '--jwks-file', jwksFile)).toMatchObject({
      code: 0,
      out: `${id} registered\n`,
    });

    const fleet = join(dir, 'fleet.jsonl');
    const lines = [1, 2, 3].map((n) => JSON.stringify({ device_id: `${id}-f${n}`, jwks: device.jwks }));
    writeFileSync(fleet, [...lines, '{"device_id": "bad/id"}'].join('\n'));
    const imported = await cli('devices', 'import', '--file', fleet);
    expect(imported.code).toBe(1);
    expect(imported.out).toBe('registered 3, unchanged 0, failed 1\n');
    expect(imported.err).toMatch(/^line 4: invalid_request: /);

    expect(await cli('devices', 'disable', `${id}-f1`)).toMatchObject({ code: 0, out: `${id}-f1 disabled\n` });
    expect(await cli('devices', 'revoke', `${id}-f2`)).toMatchObject({ code: 0, out: `${id}-f2 revoked\n` });
    const listed = await cli('devices', 'list');
    expect(listed.out).toMatch(new RegExp(`^${id}-f1\\tdisabled\\t`, 'm'));
    expect(listed.out).toMatch(new RegExp(`^${id}-f3\\tactive\\t`, 'm'));
    const revoked = await cli('devices', 'list', '--status', 'revoked');
    expect(revoked.out.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${id}-f2\\t`))]);
  });

  it('names the URL and the cause when the bridge cannot be reached', async () => {
    // a port that was free a moment ago: nothing listens there
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    let err = '';
    const code = await runBridgeAdminCli(['devices', 'list'], {
      stdout: () => {},
      stderr: (t) => void (err += t),
      env: { BRIDGE_ADMIN_URL: `http://127.0.0.1:${port}`, BRIDGE_ADMIN_TOKEN: api.adminToken },
    });
    expect(code).toBe(1);
    expect(err).toBe(
      `error: cannot reach http://127.0.0.1:${port}/admin/v1/devices: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );
    expect(err).not.toContain(api.adminToken);
  });

  it('prints the error of a refused operation and the usage for a bad command', async () => {
    expect(await cli('devices', 'revoke', 'nobody')).toMatchObject({
      code: 1,
      err: 'error: not_found: unknown device\n',
    });
    expect((await cli('devices', 'launch')).code).toBe(2);
    const noToken = await runBridgeAdminCli(['devices', 'list'], { stdout: () => {}, stderr: () => {}, env: {} });
    expect(noToken).toBe(3);
  });
});
