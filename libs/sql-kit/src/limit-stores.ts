import path from 'node:path';
import { createFlexibleLimitStore, type LimitStore } from '@onboard/platform';
import { RateLimiterPostgres, RateLimiterSQLite } from 'rate-limiter-flexible';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { openDataSource } from './open-data-source';

/** What {@link openLimitStore} returns: the store, and what closes it. */
export interface OpenedLimitStore {
  limits: LimitStore;
  close(): Promise<void>;
}

/**
 * The counters of the guessing and flooding limits on PostgreSQL: rate-limiter-flexible's
 * RateLimiterPostgres over the data source's connection pool, in `table` (created by a
 * migration). Every replica on the database shares them; each consume is one atomic
 * `INSERT … ON CONFLICT DO UPDATE … RETURNING`.
 */
export function postgresLimitStore(dataSource: DataSource, table: string): OpenedLimitStore {
  const limits = createFlexibleLimitStore(
    (options) =>
      new RateLimiterPostgres({
        ...options,
        storeClient: dataSource,
        storeType: 'typeorm',
        tableName: table,
        tableCreated: true,
        // Expired counters are deleted by the maintenance sweep (deleteExpired).
        clearExpiredByTimeout: false,
      }),
    async (before) => {
      await dataSource.query(`DELETE FROM ${table} WHERE expire < $1`, [before]);
    },
  );
  return { limits, async close() {} };
}

/** Where the counters of an SQLite database live: `onboard.sqlite` → `onboard.limits.sqlite`. */
export function limitsFileOf(file: string): string {
  if (file === ':memory:') return file;
  const { dir, name, ext } = path.parse(file);
  return path.join(dir, `${name}.limits${ext || '.sqlite'}`);
}

/** The one table of the SQLite counters file: rate-limiter-flexible's own definition. */
export class LimitsFileSchema1770422400001 implements MigrationInterface {
  name = 'LimitsFileSchema1770422400001';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE rate_limits (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER)`,
    );
    await queryRunner.query(`CREATE INDEX idx_rate_limits_expire ON rate_limits (expire)`);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE rate_limits`);
  }
}

interface BetterSqliteStatement {
  run(...params: unknown[]): unknown;
}
interface BetterSqliteDatabase {
  readonly open: boolean;
  prepare(sql: string): BetterSqliteStatement;
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
}

/**
 * The connection as rate-limiter-flexible's better-sqlite3 backend uses it (`prepare`, then
 * `transaction(fn)()`), with each statement prepared once and one transaction function
 * reused. The library prepares its statement and wraps a new transaction function on every
 * consume; on the backchannel request's path that cost about 170 µs of CPU per request,
 * ten times the statement itself (docs/decisions/0004-sqlite-limit-counters.md).
 */
export function preparedOnce(db: BetterSqliteDatabase): Pick<BetterSqliteDatabase, 'prepare' | 'transaction'> {
  const statements = new Map<string, BetterSqliteStatement>();
  const inTransaction = db.transaction((fn: () => unknown) => fn());
  return {
    prepare(sql) {
      let statement = statements.get(sql);
      if (!statement) statements.set(sql, (statement = db.prepare(sql)));
      return statement;
    },
    transaction<A extends unknown[], R>(fn: (...args: A) => R) {
      return (...args: A) => inTransaction(() => fn(...args)) as R;
    },
  };
}

/**
 * The counters on SQLite: rate-limiter-flexible's RateLimiterSQLite (better-sqlite3) over a
 * file of their own beside the database ({@link limitsFileOf}), with its own migrations.
 * Not the database's own connection: that one keeps a write transaction open across a
 * turn of the event loop (group commit), so a counter written on it could be undone with
 * another request's transaction, and on a second connection to the same file it would
 * wait for that lock while blocking the thread that must release it. In the file of
 * their own each consume commits at once (WAL), and the admin CLI, another process, sees
 * and resets the same counters.
 */
export async function sqliteLimitStore(
  file: string,
  busyTimeoutMs?: number,
  setting = 'DATABASE_URL',
): Promise<OpenedLimitStore> {
  const dataSource = await openDataSource(
    { kind: 'sqlite', file: limitsFileOf(file) },
    { busyTimeoutMs, setting },
    { entities: [], migrations: [LimitsFileSchema1770422400001] },
  );
  const db = (dataSource.driver as unknown as { databaseConnection: BetterSqliteDatabase }).databaseConnection;
  const sweep = db.prepare(`DELETE FROM rate_limits WHERE expire < ?`);
  const limits = createFlexibleLimitStore(
    (options) =>
      new RateLimiterSQLite({
        ...options,
        storeClient: preparedOnce(db),
        storeType: 'better-sqlite3',
        tableName: 'rate_limits',
        tableCreated: true,
        clearExpiredByTimeout: false,
      }),
    async (before) => {
      if (db.open) sweep.run(before);
    },
  );
  return { limits, close: () => dataSource.destroy() };
}
