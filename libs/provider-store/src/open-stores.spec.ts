import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { silentLogger } from '@onboard/platform';
import { DatabaseNotFound, DatabaseOpenError } from '@onboard/sql-kit';
import { openStores } from './open-stores';
import { describePostgres, dropPostgresSchema, postgresTestSchemaName } from '@onboard/sql-kit/testing';

describe('opening a database that cannot be used', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-open-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function failure(open: Promise<{ close(): Promise<void> }>): Promise<DatabaseOpenError> {
    const error = await open.then(
      async (stores) => {
        await stores.close();
        throw new Error('opened');
      },
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DatabaseOpenError);
    return error as DatabaseOpenError;
  }

  it('names DATABASE_URL, the SQLite file and the cause when the file cannot be opened', async () => {
    const error = await failure(openStores({ databaseUrl: `sqlite:${dir}` }));
    expect(error.message).toBe(
      `DATABASE_URL: cannot open the SQLite file ${dir}: unable to open database file (SQLITE_CANTOPEN)`,
    );
    expect((error.cause as { code?: string }).code).toBe('SQLITE_CANTOPEN');
  });

  it('says when the file is not a database', async () => {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'these are notes, not a database '.repeat(8));
    const error = await failure(openStores({ databaseUrl: `sqlite:${file}` }));
    expect(error.message).toBe(
      `DATABASE_URL: cannot open the SQLite file ${file}: file is not a database (SQLITE_NOTADB)`,
    );
  });

  it('says when the directory of the file cannot be made', async () => {
    const file = path.join(dir, 'notes.txt');
    writeFileSync(file, 'a file where a directory should be');
    const error = await failure(openStores({ databaseUrl: `sqlite:${file}/onboard.sqlite` }));
    expect(error.message).toMatch(
      new RegExp(`^DATABASE_URL: cannot open the SQLite file ${file}/onboard.sqlite: EEXIST`),
    );
  });

  it('says when the schema cannot be brought up to date', async () => {
    // a table of the first migration already there, made by something else
    const file = path.join(dir, 'foreign.sqlite');
    const db = new DataSource({ type: 'better-sqlite3', database: file, entities: [] });
    await db.initialize();
    await db.query('CREATE TABLE clients (something_else TEXT)');
    await db.destroy();
    const error = await failure(openStores({ databaseUrl: `sqlite:${file}` }));
    expect(error.message).toMatch(
      new RegExp(`^DATABASE_URL: cannot bring the schema of the SQLite file ${file} up to date: .*already exists`),
    );
  });

  it('says PostgreSQL cannot be reached, without the password', async () => {
    const error = await failure(openStores({ databaseUrl: 'postgres://onboard:s3cret@127.0.0.1:1/onboard' }));
    expect(error.message).toBe(
      'DATABASE_URL: cannot reach PostgreSQL or log in to it (127.0.0.1:1/onboard): connection refused: is the server running and listening there? (ECONNREFUSED)',
    );
    expect(error.message).not.toContain('s3cret');
  });
});

describePostgres('opening a PostgreSQL database that cannot be used', (url) => {
  it('passes the server’s reason on, naming the database', async () => {
    const missing = new URL(url);
    missing.pathname = '/onboard_no_such_database';
    const error = await openStores({ databaseUrl: missing.toString() }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(DatabaseOpenError);
    expect(error?.message).toMatch(
      /^DATABASE_URL: cannot reach PostgreSQL or log in to it \(.*\/onboard_no_such_database\): database "onboard_no_such_database" does not exist \(3D000\)$/,
    );
  });
});

describe('database files at rest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-files-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const mode = (file: string) => statSync(file).mode & 0o777;

  it.each([['provider', (url: string) => openStores({ databaseUrl: url })]] as const)(
    'creates the %s database directory 0700 and the database, -wal and -shm files 0600',
    async (_name, open) => {
      const file = path.join(dir, 'data', 'nested', 'db.sqlite');
      const store = await open(`sqlite:${file}`);
      try {
        expect(mode(path.join(dir, 'data'))).toBe(0o700);
        expect(mode(path.dirname(file))).toBe(0o700);
        for (const name of [file, `${file}-wal`, `${file}-shm`]) expect([name, mode(name)]).toEqual([name, 0o600]);
      } finally {
        await store.close();
      }
    },
  );

  it('narrows the files of a database an earlier version left 0644, and warns about an open directory', async () => {
    const file = path.join(dir, 'onboard.sqlite');
    await (await openStores({ databaseUrl: `sqlite:${file}` })).close();
    chmodSync(dir, 0o755);
    for (const name of [file, `${file}-wal`, `${file}-shm`]) {
      writeFileSync(name, '', { flag: 'a' });
      chmodSync(name, 0o644);
    }
    const warnings: Record<string, unknown>[] = [];
    const logger = {
      ...silentLogger,
      warn: (msg: string, fields?: Record<string, unknown>) => warnings.push({ msg, ...fields }),
    };
    const stores = await openStores({ databaseUrl: `sqlite:${file}`, logger });
    try {
      for (const name of [file, `${file}-wal`, `${file}-shm`]) expect([name, mode(name)]).toEqual([name, 0o600]);
      expect(warnings).toEqual([
        expect.objectContaining({ msg: 'the database directory is open to other users', directory: dir, mode: '755' }),
      ]);
    } finally {
      await stores.close();
    }
  });

  it('refuses to create a database when told not to, naming it, and opens an existing one', async () => {
    const file = path.join(dir, 'missing', 'onboard.sqlite');
    const refused = await openStores({ databaseUrl: `sqlite:${file}`, create: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseNotFound);
    expect((refused as Error).message).toBe(`sqlite:${file}: no such database file`);
    expect(existsSync(path.dirname(file))).toBe(false);
    await expect(openStores({ databaseUrl: 'sqlite::memory:', create: false })).rejects.toBeInstanceOf(
      DatabaseNotFound,
    );
    await (await openStores({ databaseUrl: `sqlite:${file}` })).close();
    await (await openStores({ databaseUrl: `sqlite:${file}`, create: false })).close();
  });
});

describePostgres('a PostgreSQL database that was never set up', (url) => {
  const schemas: string[] = [];
  afterEach(async () => {
    for (const schema of schemas.splice(0)) await dropPostgresSchema(url, schema);
  });

  it('is refused with create: false and migrated otherwise', async () => {
    const schema = postgresTestSchemaName();
    schemas.push(schema);
    const refused = await openStores({ databaseUrl: url, schema, create: false }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DatabaseNotFound);
    expect((refused as Error).message).toMatch(/no migrations table: the database has never been set up/);
    await (await openStores({ databaseUrl: url, schema })).close();
    await (await openStores({ databaseUrl: url, schema, create: false })).close();
  });
});
