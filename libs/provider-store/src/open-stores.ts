import { silentLogger, type Logger } from '@onboard/platform';
import type { Stores } from '@onboard/ciba-core';
import {
  PostgresSession,
  SqliteSession,
  StoreLogger,
  openDataSource,
  parseDatabaseUrl,
  postgresLimitStore,
  sqliteLimitStore,
  startWalCheckpointer,
  type WalCheckpointer,
} from '@onboard/sql-kit';
import 'reflect-metadata';
import { ALL_ENTITIES } from './entities/all-entities';
import { ALL_MIGRATIONS } from './migrations/all-migrations';
import { createSqlStores } from './sql-stores';

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
  /**
   * Create the database when it does not exist yet (default true): an SQLite file that is
   * missing, a PostgreSQL database without the schema's migrations table, or an in-memory
   * one. With false, opening such a database fails with {@link DatabaseNotFound}.
   */
  create?: boolean;
}

/**
 * Opens the database, applies pending migrations (never `synchronize`) and returns the
 * store bundle. The counters of the guessing and flooding limits are in the database on
 * PostgreSQL (`rate_limits`) and in a file beside it on SQLite (`<name>.limits.sqlite`).
 * SQLite runs with WAL journaling, `synchronous = NORMAL` and a busy timeout; its directory
 * is created 0700 and its files 0600 on first start.
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
    { ...options, logger, setting: options.setting ?? 'DATABASE_URL' },
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
