import { mkdirSync } from 'node:fs';
import path from 'node:path';
import 'reflect-metadata';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { silentLogger, type Logger } from '@onboard/ciba-core';
import type { BridgeStore } from '@onboard/bridge-core';
import { parseDatabaseUrl } from '../open-stores';
import { PostgresSession, SqliteSession } from '../sql/sql-session';
import { BRIDGE_MIGRATIONS } from './1768608000000-bridge-schema.migration';
import { createSqlBridgeStore } from './sql-bridge-store';

/** Default database of the bridge (`BRIDGE_DATABASE_URL`). */
export const DEFAULT_BRIDGE_DATABASE_URL = 'sqlite:./data/bridge.sqlite';

export interface OpenBridgeStoresOptions {
  /** `sqlite:./data/bridge.sqlite`, `sqlite::memory:`, a file path, or `postgres://…`. */
  databaseUrl: string;
  logger?: Logger;
  /** PostgreSQL only: schema to use (created if missing). */
  schema?: string;
  /** SQLite busy timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
}

/**
 * Opens the bridge's database (device registry and request ledger), applies its migrations
 * (tracked in `bridge_migrations`, so it may share a PostgreSQL database with the provider) and
 * returns the {@link BridgeStore}. SQLite runs with WAL and `synchronous = NORMAL`.
 * @example
 * const store = await openBridgeStores({ databaseUrl: 'sqlite:./data/bridge.sqlite' });
 * await store.devices.find('hu-7f3a');
 * await store.close();
 */
export async function openBridgeStores(options: OpenBridgeStoresOptions): Promise<BridgeStore> {
  const logger = options.logger ?? silentLogger;
  const target = parseDatabaseUrl(options.databaseUrl);
  const common = {
    entities: [],
    migrations: BRIDGE_MIGRATIONS,
    migrationsTableName: 'bridge_migrations',
    migrationsRun: true,
    synchronize: false,
    migrationsTransactionMode: 'all' as const,
    logging: false,
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
      },
    };
  } else {
    const schema = options.schema;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/i.test(schema)) {
      throw new Error('openBridgeStores: schema must be a plain SQL identifier');
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
  logger.info('bridge database opened', {
    dialect: target.kind,
    ...(target.kind === 'sqlite' ? { file: target.file } : {}),
  });
  const session = target.kind === 'sqlite' ? SqliteSession.fromDataSource(dataSource) : new PostgresSession(dataSource);
  let closed = false;
  return createSqlBridgeStore(session, async () => {
    if (closed) return;
    closed = true;
    await dataSource.destroy();
  });
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
