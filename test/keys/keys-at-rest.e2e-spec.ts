import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import {
  calculateJwkThumbprint,
  CompactEncrypt,
  compactDecrypt,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose';
import { ConfigError } from '@onboard/config';
import { openStores } from '@onboard/provider-store';
import { PATHS } from '@onboard/ciba-core';
import { get } from '../support/http';
import { makeTempDir, removeTempDir, startProvider } from '../support/provider';

/** A row of `signing_keys` or `encryption_keys`: both keep the private key the same way. */
interface KeyRow {
  kid: string;
  alg: string;
  private_jwk: string | null;
  wrapped_private_key: string | null;
}

const mode = (file: string) => statSync(file).mode & 0o777;

/** The key rows of `table` as they are on disk (a raw connection, no entities). */
async function readRows(file: string, table: 'signing_keys' | 'encryption_keys' = 'signing_keys'): Promise<KeyRow[]> {
  const db = new DataSource({ type: 'better-sqlite3', database: file, entities: [] });
  await db.initialize();
  try {
    return (await db.query(`SELECT kid, alg, private_jwk, wrapped_private_key FROM ${table} ORDER BY kid`)) as KeyRow[];
  } finally {
    await db.destroy();
  }
}

/** The private JWK of a row, unwrapped with the KEK of `kekFile`. */
async function unwrap(row: KeyRow, kekFile: string): Promise<Record<string, string>> {
  const kek = Buffer.from(readFileSync(kekFile, 'utf8').trim(), 'base64');
  const { plaintext } = await compactDecrypt(row.wrapped_private_key as string, kek);
  return JSON.parse(Buffer.from(plaintext).toString('utf8'));
}

// Issue §5: keys and data at rest.
describe('private signing and request-object encryption keys at rest (SQLite file)', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeTempDir(dir));

  it('creates the data directory 0700, the database files and the KEK file 0600, and stores only ciphertext', async () => {
    const dataDir = join(dir, 'data');
    const file = join(dataDir, 'onboard.sqlite');
    const p = await startProvider({ databaseFile: file });
    try {
      expect(mode(dataDir)).toBe(0o700);
      const kekFile = join(dataDir, 'onboard.kek');
      for (const name of [file, `${file}-wal`, `${file}-shm`, kekFile])
        expect([name, mode(name)]).toEqual([name, 0o600]);
      expect(readFileSync(kekFile, 'utf8')).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);

      const rows = await readRows(file);
      expect(rows.map((r) => r.alg).sort()).toEqual(['ES256', 'PS256', 'RS256']);
      const published = (await get(p.at(PATHS.jwks))).json.keys as { kid: string; use: string }[];
      const kidsOf = (use: string) => published.filter((k) => k.use === use).map((k) => k.kid);
      expect(rows.map((r) => r.kid).sort()).toEqual(kidsOf('sig').sort());
      // The key clients encrypt request objects to (RFC 9101 §6.1) is kept the same way.
      const encryptionRows = await readRows(file, 'encryption_keys');
      expect(encryptionRows.map((r) => r.alg)).toEqual(['ECDH-ES+A256KW']);
      expect(encryptionRows.map((r) => r.kid)).toEqual(kidsOf('enc'));
      for (const row of [...rows, ...encryptionRows]) {
        expect(row.private_jwk).toBeNull();
        expect(decodeProtectedHeader(row.wrapped_private_key as string)).toMatchObject({ alg: 'dir', enc: 'A256GCM' });
        // The private key is in the ciphertext, and nowhere on disk in clear.
        const jwk = await unwrap(row, kekFile);
        expect(await calculateJwkThumbprint(jwk, 'sha256')).toBe(row.kid);
        for (const name of readdirSync(dataDir).filter((n) => n.startsWith('onboard.sqlite'))) {
          expect(readFileSync(join(dataDir, name)).includes(jwk.d)).toBe(false);
        }
      }
    } finally {
      await p.close();
    }
  });

  it('wraps the clear keys of an existing database on first start, losing none, and keeps signing and decrypting with them', async () => {
    const file = join(dir, 'onboard.sqlite');
    // A database as an earlier version left it: the private JWKs in clear.
    const stores = await openStores({ databaseUrl: `sqlite:${file}` });
    const old: Record<string, string> = {};
    let encryptionJwk: JWK | undefined;
    try {
      for (const alg of ['ES256', 'PS256'] as const) {
        const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
        const publicJwk = { ...(await exportJWK(publicKey)) };
        const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
        old[alg] = kid;
        await stores.signingKeys.save({
          kid,
          alg,
          privateJwk: { ...(await exportJWK(privateKey)) },
          publicJwk,
          status: 'active',
          createdAt: Date.now() - 1000,
        });
      }
      const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
      encryptionJwk = { ...(await exportJWK(publicKey)) };
      old.enc = await calculateJwkThumbprint(encryptionJwk, 'sha256');
      await stores.encryptionKeys.save({
        kid: old.enc,
        alg: 'ECDH-ES+A256KW',
        privateJwk: { ...(await exportJWK(privateKey)) },
        publicJwk: encryptionJwk,
        status: 'active',
        createdAt: Date.now() - 1000,
      });
    } finally {
      await stores.close();
    }
    for (const table of ['signing_keys', 'encryption_keys'] as const) {
      expect((await readRows(file, table)).every((r) => r.private_jwk !== null && r.wrapped_private_key === null)).toBe(
        true,
      );
    }

    const p = await startProvider({ databaseFile: file });
    try {
      const rows = await readRows(file);
      expect(rows.map((r) => r.kid)).toEqual(expect.arrayContaining([old.ES256, old.PS256]));
      const encryptionRows = await readRows(file, 'encryption_keys');
      expect(encryptionRows.map((r) => r.kid)).toEqual([old.enc]);
      for (const row of [...rows, ...encryptionRows]) {
        expect(row.private_jwk).toBeNull();
        expect(row.wrapped_private_key).toMatch(/^eyJ[\w-]+\.\.[\w-]+\.[\w-]+\.[\w-]+$/);
        expect((await unwrap(row, join(dir, 'onboard.kek'))).d).toEqual(expect.any(String));
      }
      const published = ((await get(p.at(PATHS.jwks))).json.keys as { kid: string; alg: string }[]).map(
        (k) => `${k.alg} ${k.kid}`,
      );
      expect(published).toEqual(
        expect.arrayContaining([`ES256 ${old.ES256}`, `PS256 ${old.PS256}`, `ECDH-ES+A256KW ${old.enc}`]),
      );
      // A request object encrypted to the old encryption key still decrypts.
      const nested = await new CompactEncrypt(new TextEncoder().encode('header.payload.signature'))
        .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: old.enc })
        .encrypt(await importJWK(encryptionJwk as JWK, 'ECDH-ES+A256KW'));
      expect(await p.booted.ctx.requestObjectKeys?.decrypt(nested)).toBe('header.payload.signature');
      // The old keys still sign: ES256 (access tokens) under its old kid.
      const token = await p.booted.ctx.keys.sign({ iss: p.issuer }, { alg: 'ES256' });
      expect(decodeProtectedHeader(token).kid).toBe(old.ES256);
    } finally {
      await p.close();
    }
  });

  it('restarts with the same keys, and refuses to start without the KEK instead of minting new keys', async () => {
    const file = join(dir, 'onboard.sqlite');
    const first = await startProvider({ databaseFile: file });
    const kids = (await readRows(file)).map((r) => r.kid);
    const encryptionKids = (await readRows(file, 'encryption_keys')).map((r) => r.kid);
    await first.close();
    const second = await startProvider({ databaseFile: file });
    await second.close();
    expect((await readRows(file)).map((r) => r.kid)).toEqual(kids);
    expect((await readRows(file, 'encryption_keys')).map((r) => r.kid)).toEqual(encryptionKids);

    rmSync(join(dir, 'onboard.kek'));
    const error = await startProvider({ databaseFile: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe('KEY_ENCRYPTION_KEY_FILE');
    expect((error as Error).message).toMatch(
      /onboard\.kek does not exist, but the database's private keys are wrapped/,
    );
    expect(existsSync(join(dir, 'onboard.kek'))).toBe(false);
    expect((await readRows(file)).map((r) => r.kid)).toEqual(kids);
  });

  it('takes the KEK from KEY_ENCRYPTION_KEY, and stops on a bad one naming the variable', async () => {
    const file = join(dir, 'onboard.sqlite');
    const kek = randomBytes(32);
    const p = await startProvider({ databaseFile: file, env: { KEY_ENCRYPTION_KEY: kek.toString('base64') } });
    await p.close();
    expect(existsSync(join(dir, 'onboard.kek'))).toBe(false);
    const [row] = await readRows(file);
    await expect(compactDecrypt(row.wrapped_private_key as string, kek)).resolves.toBeDefined();

    const bad = await startProvider({ databaseFile: file, env: { KEY_ENCRYPTION_KEY: 'c2hvcnQ=' } }).catch(
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(ConfigError);
    expect((bad as Error).message).toMatch(/^KEY_ENCRYPTION_KEY: key 1 is not a base64-encoded 256-bit key/);

    const wrong = await startProvider({
      databaseFile: file,
      env: { KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') },
    }).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(ConfigError);
    expect((wrong as ConfigError).variable).toBe('KEY_ENCRYPTION_KEY');
    expect((wrong as Error).message).toMatch(/which is not configured/);
  });
});
