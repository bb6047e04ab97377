import { silentLogger, type Logger } from '@onboard/platform';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import { databaseOpenError } from './database-open-error';
import { describeDatabase, type DatabaseTarget } from './database-url';

/** The database does not exist (yet), and the caller asked not to create one. */
export class DatabaseNotFound extends Error {
  constructor(
    /** The database, as {@link describeDatabase} names it. */
    readonly database: string,
    reason: string,
  ) {
    super(`${database}: ${reason}`);
    this.name = 'DatabaseNotFound';
  }
}

/** Owner-only modes: the database holds wrapped signing keys, token hashes and personal data. */
export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Make an SQLite database's files private before SQLite opens them: the directory is
 * created 0700, the database file 0600 (SQLite gives its -wal and -shm files the database
 * file's mode), and files left wider by an earlier version are narrowed to 0600. A
 * directory that already exists is left as it is, with a warning when others can enter it.
 */
function prepareSqliteFile(file: string, create: boolean, logger: Logger): void {
  const absolute = path.resolve(file);
  const directory = path.dirname(absolute);
  if (!existsSync(absolute)) {
    if (!create) throw new DatabaseNotFound(`sqlite:${absolute}`, 'no such database file');
    // Without an existence check: a file where the directory should be fails here (EEXIST),
    // naming the directory that cannot be made, rather than later as a file SQLite cannot open.
    mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
    closeSync(openSync(absolute, 'a', PRIVATE_FILE_MODE));
  }
  const directoryMode = statSync(directory).mode & 0o777;
  if ((directoryMode & 0o077) !== 0) {
    logger.warn('the database directory is open to other users', {
      directory,
      mode: directoryMode.toString(8),
      advice: `chmod 700 ${directory}`,
    });
  }
  for (const name of [absolute, `${absolute}-wal`, `${absolute}-shm`, `${absolute}-journal`]) {
    try {
      if ((statSync(name).mode & 0o077) !== 0) chmodSync(name, PRIVATE_FILE_MODE);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      logger.warn('a database file could not be made private', { file: name, error: code });
    }
  }
}

/** What differs between the databases opened through {@link openDataSource}. */
export interface DataSourceSpec {
  entities: DataSourceOptions['entities'];
  migrations: DataSourceOptions['migrations'];
  /** Migration bookkeeping table (TypeORM's default when absent). */
  migrationsTableName?: string;
  logger?: TypeOrmLogger;
  /** Extra SQLite pragmas, after WAL, `synchronous = NORMAL` and the busy timeout. */
  sqlitePragmas?: string[];
}

/**
 * Opens a TypeORM data source for `target` and applies its migrations (never `synchronize`):
 * SQLite with WAL, `synchronous = NORMAL` and a busy timeout, its directory created 0700 and
 * its files 0600; PostgreSQL optionally in its own schema (created if missing). With
 * `create: false` a database that does not exist yet is refused ({@link DatabaseNotFound}).
 * Shared by the provider's and the bridge's stores.
 *
 * @throws DatabaseOpenError naming `options.setting`, the database and the cause, when it cannot
 * be opened (file, connection, login) or its migrations fail.
 */
export async function openDataSource(
  target: DatabaseTarget,
  options: { schema?: string; busyTimeoutMs?: number; setting: string; create?: boolean; logger?: Logger },
  spec: DataSourceSpec,
): Promise<DataSource> {
  const create = options.create ?? true;
  const migrationsTableName = spec.migrationsTableName ?? 'migrations';
  let dataSource: DataSource;
  try {
    dataSource = await initializeDataSource(target, { ...options, create }, spec);
  } catch (error) {
    if (error instanceof DatabaseNotFound) throw error;
    throw databaseOpenError(options.setting, target, 'open', error);
  }
  try {
    if (!create && target.kind === 'postgres' && !(await hasTable(dataSource, migrationsTableName))) {
      throw new DatabaseNotFound(
        describeDatabase(target.url) + (options.schema ? ` (schema ${options.schema})` : ''),
        `no ${migrationsTableName} table: the database has never been set up`,
      );
    }
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  try {
    await dataSource.runMigrations({ transaction: 'all' });
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw databaseOpenError(options.setting, target, 'migrate', error);
  }
  return dataSource;
}

async function initializeDataSource(
  target: DatabaseTarget,
  options: { schema?: string; busyTimeoutMs?: number; create: boolean; logger?: Logger },
  spec: DataSourceSpec,
): Promise<DataSource> {
  const common = {
    entities: spec.entities,
    migrations: spec.migrations,
    ...(spec.migrationsTableName ? { migrationsTableName: spec.migrationsTableName } : {}),
    // Applied by openDataSource once connected, so a failure says which of the two failed.
    migrationsRun: false,
    synchronize: false,
    ...(spec.logger ? { logger: spec.logger } : { logging: false }),
  };
  let dsOptions: DataSourceOptions;
  if (target.kind === 'sqlite') {
    if (target.file === ':memory:') {
      if (!options.create) throw new DatabaseNotFound('sqlite::memory:', 'an in-memory database is always new');
    } else {
      prepareSqliteFile(target.file, options.create, options.logger ?? silentLogger);
    }
    const busyTimeout = options.busyTimeoutMs ?? 5000;
    dsOptions = {
      ...common,
      type: 'better-sqlite3',
      database: target.file,
      timeout: busyTimeout,
      prepareDatabase: (db: { pragma(sql: string): unknown }) => {
        db.pragma('journal_mode = WAL');
        db.pragma('synchronous = NORMAL');
        db.pragma(`busy_timeout = ${busyTimeout}`);
        for (const pragma of spec.sqlitePragmas ?? []) db.pragma(pragma);
      },
    };
  } else {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/i.test(schema)) {
      throw new Error('schema must be a plain SQL identifier');
    }
    if (schema) await createSchemaIfMissing(target.url, schema);
    dsOptions = {
      ...common,
      type: 'postgres',
      url: target.url,
      ...(schema ? { schema, extra: { options: `-c search_path=${schema}` } } : {}),
    };
  }
  const dataSource = new DataSource(dsOptions);
  await dataSource.initialize();
  return dataSource;
}

async function hasTable(dataSource: DataSource, table: string): Promise<boolean> {
  const runner = dataSource.createQueryRunner();
  try {
    return await runner.hasTable(table);
  } finally {
    await runner.release();
  }
}

async function createSchemaIfMissing(url: string, schema: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } finally {
    await client.end();
  }
}

/**
 * TypeORM's log lines go to our logger; query parameters never do (they may hold secrets).
 * Give it as `DataSourceSpec.logger`.
 */
export class StoreLogger implements TypeOrmLogger {
  constructor(private readonly logger: Logger) {}
  logQuery(): void {}
  logQueryError(error: string | Error, query: string): void {
    this.logger.error('database query failed', { error: error instanceof Error ? error.message : error, query });
  }
  logQuerySlow(time: number, query: string): void {
    this.logger.warn('slow database query', { ms: time, query });
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    this.logger.info('database migration', { message });
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
