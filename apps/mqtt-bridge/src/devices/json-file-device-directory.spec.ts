import { mkdtemp, readFile, rm, writeFile, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonFileDeviceDirectory } from './json-file-device-directory';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const jwk = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' };

describe('JSON-file device directory', () => {
  let dir: string;
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'devices-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the file, saves devices and finds them again after a reopen', async () => {
    const path = join(dir, 'sub', 'devices.json');
    const directory = await JsonFileDeviceDirectory.open(path, { clock, logger: silent });
    expect(await directory.find('hu-1')).toBeUndefined();
    await directory.upsert({ deviceId: 'hu-1', publicJwks: [jwk], status: 'active' });
    expect(await directory.setStatus('hu-1', 'revoked')).toBe(true);
    expect(await directory.setStatus('nobody', 'revoked')).toBe(false);
    const reopened = await JsonFileDeviceDirectory.open(path, { clock, logger: silent });
    expect(await reopened.find('hu-1')).toEqual({ deviceId: 'hu-1', publicJwks: [jwk], status: 'revoked' });
    expect(JSON.parse(await readFile(path, 'utf8')).devices[0]).toMatchObject({ device_id: 'hu-1', status: 'revoked' });
  });

  it('picks up edits made by another process and ignores invalid entries', async () => {
    const path = join(dir, 'devices.json');
    const warnings: string[] = [];
    const directory = await JsonFileDeviceDirectory.open(path, {
      clock,
      logger: { ...silent, warn: (m: string) => warnings.push(m) },
      recheckMs: 1000,
    });
    await writeFile(
      path,
      JSON.stringify({
        devices: [
          { device_id: 'hu-2', status: 'active', public_jwks: { keys: [jwk] } },
          { device_id: 'bad/id', status: 'active', public_jwks: { keys: [] } },
          { device_id: 'hu-3', status: 'sleeping', public_jwks: { keys: [] } },
        ],
      }),
    );
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    expect(await directory.find('hu-2')).toBeUndefined(); // not re-checked yet
    clock.t += 1000;
    expect(await directory.find('hu-2')).toMatchObject({ status: 'active' });
    expect(warnings).toHaveLength(2);
  });
});
