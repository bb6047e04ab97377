import { silentLogger, type Logger, type Stores } from '@onboard/ciba-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource, type DataSourceOptions, type Logger as TypeOrmLogger } from 'typeorm';
import { ALL_ENTITIES } from './entities/all-entities';
import { databaseOpenError } from './database-open-error';
import { ALL_MIGRATIONS } from './migrations/all-migrations';
import { PostgresSession, SqliteSession } from './sql/sql-session';
import { createSqlStores } from './sql/sql-stores';
import { postgresLimitStore, sqliteLimitStore } from './limits/open-limit-store';
import { startWalCheckpointer, type WalCheckpointer } from './sql/wal-checkpointer';

export interface OpenStoresOptions {
  /**
   * `sqlite:./data/onboard.sqlite`, `sqlite::memory:`, a plain file path (SQLite),
   * or `postgres://…` / `postgresql://…` (PostgreSQL).
   */
  databaseUrl: string;
  /** The setting `databaseUrl` came from, named in errors (default `DATABASE_URL`). */
  setting?: string;
  logger?: Logger;
  /** PostgreSQL only: schema to use (created if missing). Default: the server's search_path. */
  schema?: string;
  /** SQLite busy timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
}

/** Where a database URL points. */
export type DatabaseTarget = { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string };

/**
 * Parses a database URL: `postgres://` and `postgresql://` select PostgreSQL;
 * `sqlite:<path>`, `sqlite::memory:` and plain paths select SQLite.
 *
 * @example
 * parseDatabaseUrl('sqlite:./data/onboard.sqlite'); // { kind: 'sqlite', file: './data/onboard.sqlite' }
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const url = databaseUrl.trim();
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  if (/^sqlite:/i.test(url)) {
    let file = url.slice('sqlite:'.length);
    if (file.startsWith('//')) file = file.slice(2); // sqlite:///abs/path, sqlite://./rel
    if (file === '' || file === ':memory:') return { kind: 'sqlite', file: ':memory:' };
    return { kind: 'sqlite', file };
  }
  if (url === '' || url === ':memory:') return { kind: 'sqlite', file: ':memory:' };
  return { kind: 'sqlite', file: url };
}

/**
 * Opens the database, applies pending migrations (never `synchronize`) and returns the
 * store bundle. The counters of the guessing and flooding limits are in the database on
 * PostgreSQL (`rate_limits`) and in a file beside it on SQLite (`<name>.limits.sqlite`). SQLite runs with WAL journaling, `synchronous = NORMAL` and a busy
 * timeout; its parent directory is created on first start.
 *
 * @example
 * const stores = await openStores({ databaseUrl: 'sqlite:./data/onboard.sqlite', logger });
 * await stores.clients.find('client-1');
 * await stores.close();
 */
export async function openStores(options: OpenStoresOptions): Promise<Stores> {
  const logger = options.logger ?? silentLogger;
  const target = parseDatabaseUrl(options.databaseUrl);
  const dataSource = await openDataSource(
    target,
    { ...options, setting: options.setting ?? 'DATABASE_URL' },
    {
      entities: ALL_ENTITIES,
      migrations: ALL_MIGRATIONS,
      logger: new StoreLogger(logger),
      // Checkpoints run in a worker thread (see startWalCheckpointer); this is the fallback.
      sqlitePragmas: target.kind === 'sqlite' && target.file !== ':memory:' ? ['wal_autocheckpoint = 10000'] : [],
    },
  );
  logger.info('database opened', { dialect: target.kind, ...(target.kind === 'sqlite' ? { file: target.file } : {}) });
  // Group commit: the writes of concurrent requests share one SQLite transaction (and its
  // WAL frames) instead of committing one by one; each still resolves only once committed.
  const checkpointer: WalCheckpointer | undefined =
    target.kind === 'sqlite' && target.file !== ':memory:' ? startWalCheckpointer({ file: target.file }) : undefined;
  const session =
    target.kind === 'sqlite'
      ? SqliteSession.fromDataSource(dataSource, { groupCommit: true, onCommit: checkpointer?.committed })
      : new PostgresSession(dataSource);
  let counters;
  try {
    counters =
      target.kind === 'sqlite'
        ? await sqliteLimitStore(target.file, options.busyTimeoutMs, options.setting ?? 'DATABASE_URL')
        : postgresLimitStore(dataSource, 'rate_limits');
  } catch (error) {
    await checkpointer?.stop();
    await dataSource.destroy();
    throw error;
  }
  let closed = false;
  return createSqlStores(dataSource, session, counters.limits, async () => {
    if (closed) return;
    closed = true;
    if (session instanceof SqliteSession) session.flush();
    await checkpointer?.stop();
    await counters.close();
    await dataSource.destroy();
  });
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
 * SQLite with WAL, `synchronous = NORMAL` and a busy timeout, its parent directory created;
 * PostgreSQL optionally in its own schema (created if missing). Shared by the provider's and
 * the bridge's stores.
 *
 * @throws DatabaseOpenError naming `options.setting`, the database and the cause, when it cannot
 * be opened (file, connection, login) or its migrations fail.
 */
export async function openDataSource(
  target: DatabaseTarget,
  options: { schema?: string; busyTimeoutMs?: number; setting: string },
  spec: DataSourceSpec,
): Promise<DataSource> {
  let dataSource: DataSource;
  try {
    dataSource = await initializeDataSource(target, options, spec);
  } catch (error) {
    throw databaseOpenError(options.setting, target, 'open', error);
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
  options: { schema?: string; busyTimeoutMs?: number },
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
    if (target.file !== ':memory:') mkdirSync(path.dirname(path.resolve(target.file)), { recursive: true });
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

/** TypeORM's log lines go to our logger; query parameters never do (they may hold secrets). */
class StoreLogger implements TypeOrmLogger {
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
