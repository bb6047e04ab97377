import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '@onboard/platform';
import { loadPayloadKeyFile } from './payload-key-file';

describe('the bridge encryption key file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bridge-keys-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is created on the first start, readable by its owner only (0600 in a 0700 directory), and read back on the next', async () => {
    const file = join(dir, 'nested', 'keys.json');
    const first = await loadPayloadKeyFile(file, silentLogger);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'nested')).mode & 0o777).toBe(0o700);
    expect(first.current).toMatchObject({ kty: 'EC', crv: 'P-256', use: 'enc', alg: 'ECDH-ES+A256KW' });
    expect(first.current).not.toHaveProperty('d');
    const again = await loadPayloadKeyFile(file, silentLogger);
    expect(again.publicJwks).toEqual(first.publicJwks);
    expect(JSON.parse(readFileSync(file, 'utf8')).keys[0].d).toEqual(expect.any(String));
  });

  it('names the variable, the file and the problem when the file holds no usable key', async () => {
    const file = join(dir, 'keys.json');
    writeFileSync(file, 'not json');
    await expect(loadPayloadKeyFile(file, silentLogger)).rejects.toThrow(
      `BRIDGE_ENCRYPTION_KEY_FILE ${file} is not JSON (expected {"keys": [private JWKs]})`,
    );
    writeFileSync(file, JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', kid: 'k1' }] }));
    await expect(loadPayloadKeyFile(file, silentLogger)).rejects.toThrow(
      `BRIDGE_ENCRYPTION_KEY_FILE ${file}: key k1: the private part (d) is missing`,
    );
  });
});
