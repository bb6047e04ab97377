import 'reflect-metadata';
import { silentLogger, type Logger } from '@onboard/platform';
import type { BridgeStore } from '@onboard/bridge-core';
import {
  PostgresSession,
  SqliteSession,
  openDataSource,
  parseDatabaseUrl,
  postgresLimitStore,
  sqliteLimitStore,
} from '@onboard/sql-kit';
import { BRIDGE_MIGRATIONS } from './migrations/1768608000000-bridge-schema.migration';
import { createSqlBridgeStore } from './sql-bridge-store';

/** Default database of the bridge (`BRIDGE_DATABASE_URL`). */
export const DEFAULT_BRIDGE_DATABASE_URL = 'sqlite:./data/bridge.sqlite';

export interface OpenBridgeStoresOptions {
  /** `sqlite:./data/bridge.sqlite`, `sqlite::memory:`, a file path, or `postgres://…`. */
  databaseUrl: string;
  /** The setting `databaseUrl` came from, named in errors (default `BRIDGE_DATABASE_URL`). */
  setting?: string;
  logger?: Logger;
  /** PostgreSQL only: schema to use (created if missing). */
  schema?: string;
  /** SQLite busy timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens the bridge's database (device registry and request ledger), applies its migrations
 * (tracked in `bridge_migrations`, so it may share a PostgreSQL database with the provider) and
 * returns the {@link BridgeStore}. SQLite runs with WAL and `synchronous = NORMAL`, its
 * directory created 0700 and its files 0600. The counters of the failed-authentication limits
 * are in `bridge_rate_limits` on PostgreSQL and in a file beside the database on SQLite
 * (`bridge.limits.sqlite`).
 * @example
 * const store = await openBridgeStores({ databaseUrl: 'sqlite:./data/bridge.sqlite' });
 * await store.devices.find('hu-7f3a');
 * await store.close();
 */
export async function openBridgeStores(options: OpenBridgeStoresOptions): Promise<BridgeStore> {
  const logger = options.logger ?? silentLogger;
  const target = parseDatabaseUrl(options.databaseUrl);
  const dataSource = await openDataSource(
    target,
    { ...options, logger, setting: options.setting ?? 'BRIDGE_DATABASE_URL' },
    {
      entities: [],
      migrations: BRIDGE_MIGRATIONS,
      migrationsTableName: 'bridge_migrations',
    },
  );
  logger.info('bridge database opened', {
    dialect: target.kind,
    ...(target.kind === 'sqlite' ? { file: target.file } : {}),
  });
  const session = target.kind === 'sqlite' ? SqliteSession.fromDataSource(dataSource) : new PostgresSession(dataSource);
  let counters;
  try {
    counters =
      target.kind === 'sqlite'
        ? await sqliteLimitStore(target.file, options.busyTimeoutMs, options.setting ?? 'BRIDGE_DATABASE_URL')
        : postgresLimitStore(dataSource, 'bridge_rate_limits');
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  let closed = false;
  return createSqlBridgeStore(session, counters.limits, async () => {
    if (closed) return;
    closed = true;
    await counters.close();
    await dataSource.destroy();
  });
}
