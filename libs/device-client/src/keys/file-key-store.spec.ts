import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileKeyStore } from './file-key-store';

describe('FileKeyStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'onboard-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates the keys on first use into a file only its owner can read', async () => {
    const path = join(dir, 'nested', 'keys.json');
    const store = new FileKeyStore(path);
    const jwks = await store.getPublicJwks();
    expect(jwks.keys.map((k) => k.use)).toEqual(['sig', 'enc']);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested'))).mode & 0o077).toBe(0);
    const stored = JSON.parse(await readFile(path, 'utf8'));
    expect(stored.format).toBe('onboard-device-keys/1');
    expect(stored.signing.d).toEqual(expect.any(String));
  });

  it('loads the same keys again in a new store', async () => {
    const path = join(dir, 'keys.json');
    const first = await new FileKeyStore(path).getPublicJwks();
    const second = new FileKeyStore(path);
    expect(await second.getPublicJwks()).toEqual(first);
    expect(await second.thumbprint()).toBe(first.keys[0].kid);
  });

  it('refuses a key file that group or others can read', async () => {
    const path = join(dir, 'keys.json');
    await new FileKeyStore(path).getPublicJwks();
    await chmod(path, 0o644);
    await expect(new FileKeyStore(path).getPublicJwks()).rejects.toMatchObject({ code: 'key_store_error' });
  });

  it('refuses a file in another format', async () => {
    const path = join(dir, 'keys.json');
    await writeFile(path, '{"keys":[]}', { mode: 0o600 });
    await expect(new FileKeyStore(path).signJwt({ alg: 'ES256' }, {})).rejects.toMatchObject({
      code: 'key_store_error',
    });
  });

  it('two stores racing on a missing file end up with the same keys', async () => {
    const path = join(dir, 'keys.json');
    const [a, b] = await Promise.all([new FileKeyStore(path).thumbprint(), new FileKeyStore(path).thumbprint()]);
    const again = await new FileKeyStore(path).thumbprint();
    expect(a).toBe(again);
    expect(b).toBe(again);
  });
});
