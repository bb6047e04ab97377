import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createMemoryStores } from '@onboard/ciba-core';
import { silentLogger, type Logger } from '@onboard/platform';
import { ConfigError } from '@onboard/config';
import { kekFileOf, openKeyEncryption } from './key-encryption';

describe('the key-encryption key of the provider', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-kek-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const warnings: Record<string, unknown>[] = [];
  const logger: Logger = { ...silentLogger, warn: (msg, fields) => void warnings.push({ msg, ...fields }) };
  beforeEach(() => warnings.splice(0));

  it('lives beside the SQLite database by default, in ./data with PostgreSQL, nowhere for a memory database', () => {
    expect(kekFileOf({}, 'sqlite:/srv/onboard/db/onboard.sqlite')).toBe('/srv/onboard/db/onboard.kek');
    expect(kekFileOf({}, 'postgres://db/onboard')).toBe(path.resolve('data', 'onboard.kek'));
    expect(kekFileOf({}, 'sqlite::memory:')).toBeUndefined();
    expect(kekFileOf({ file: '/run/secrets/kek' }, 'sqlite::memory:')).toBe('/run/secrets/kek');
  });

  it('is generated once, 0600 in a 0700 directory, also when two processes start at once', async () => {
    const file = path.join(dir, 'secrets', 'onboard.kek');
    const config = { file };
    const [a, b] = await Promise.all([
      openKeyEncryption(config, 'sqlite::memory:', createMemoryStores(), logger),
      openKeyEncryption(config, 'sqlite::memory:', createMemoryStores(), logger),
    ]);
    expect(a.wrapper.currentKeyId).toBe(b.wrapper.currentKeyId);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(a.source).toEqual({ kind: 'file', file });
  });

  it('reports a key file other users can read', async () => {
    const file = path.join(dir, 'onboard.kek');
    writeFileSync(file, `${Buffer.alloc(32, 1).toString('base64')}\n`);
    chmodSync(file, 0o644);
    await openKeyEncryption({ file }, 'sqlite::memory:', createMemoryStores(), logger);
    expect(warnings).toEqual([
      expect.objectContaining({ msg: 'the key-encryption key file is readable by other users', mode: '644' }),
    ]);
  });

  it('stops on a key file that holds no 256-bit key, naming the variable and the file', async () => {
    const file = path.join(dir, 'onboard.kek');
    writeFileSync(file, 'not-a-key\n', { mode: 0o600 });
    const error = await openKeyEncryption({ file }, 'sqlite::memory:', createMemoryStores(), logger).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe(
      `KEY_ENCRYPTION_KEY_FILE: ${file}: key 1 is not a base64-encoded 256-bit key (32 bytes; make one with: openssl rand -base64 32)`,
    );
  });
});
