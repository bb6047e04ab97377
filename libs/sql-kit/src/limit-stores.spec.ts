import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { preparedOnce, sqliteLimitStore } from './limit-stores';

/** The part of better-sqlite3 these tests use (the package ships no types). */
interface TestDatabase {
  readonly open: boolean;
  exec(sql: string): void;
  prepare(sql: string): { get(...params: unknown[]): unknown; run(...params: unknown[]): unknown };
  transaction<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R;
  close(): void;
  readonly inTransaction: boolean;
}
const Database = createRequire(__filename)('better-sqlite3') as new (file: string) => TestDatabase;

describe('preparedOnce', () => {
  let db: TestDatabase;
  let prepared: string[];
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE rate_limits (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER)');
    prepared = [];
    const prepare = db.prepare.bind(db);
    db.prepare = (sql) => (prepared.push(sql), prepare(sql));
  });
  afterEach(() => db.close());

  it('lets rate-limiter-flexible count as before while preparing each of its statements once', async () => {
    const limiter = new RateLimiterSQLite({
      storeClient: preparedOnce(db),
      storeType: 'better-sqlite3',
      tableName: 'rate_limits',
      tableCreated: true,
      clearExpiredByTimeout: false,
      keyPrefix: 'rule',
      points: 3,
      duration: 60,
    });
    const remaining: number[] = [];
    for (let i = 0; i < 3; i++) remaining.push((await limiter.consume('a')).remainingPoints);
    await expect(limiter.consume('a')).rejects.toMatchObject({ remainingPoints: 0 });
    expect(remaining).toEqual([2, 1, 0]);
    expect((await limiter.consume('b')).remainingPoints).toBe(2);
    expect((await limiter.get('a'))?.consumedPoints).toBe(4);
    await limiter.delete('a');
    expect(await limiter.get('a')).toBeNull();
    // One upsert, one read, one delete: each prepared on first use only.
    expect(prepared.length).toBe(new Set(prepared).size);
    expect(prepared.length).toBe(3);
  });

  it('runs a transaction function in one transaction, undone when it throws', () => {
    const client = preparedOnce(db);
    const insert = (key: string) => client.prepare('INSERT INTO rate_limits (key, points) VALUES (?, 1)').run(key);
    client.transaction(() => {
      insert('kept');
      expect(db.inTransaction).toBe(true);
    })();
    expect(() =>
      client.transaction(() => {
        insert('undone');
        throw new Error('failed');
      })(),
    ).toThrow('failed');
    expect(db.inTransaction).toBe(false);
    const rows = db.prepare('SELECT key FROM rate_limits ORDER BY key') as unknown as { all(): unknown[] };
    expect(rows.all()).toEqual([{ key: 'kept' }]);
  });
});

describe('sqliteLimitStore', () => {
  it('keeps the counters in a file beside the database, seen by a second connection to it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'limit-stores-'));
    try {
      const file = path.join(dir, 'onboard.sqlite');
      const rule = { name: 'client_owner_requests', points: 2, windowSeconds: 60 };
      const first = await sqliteLimitStore(file);
      const second = await sqliteLimitStore(file);
      try {
        expect((await first.limits.limiter(rule).consume('k')).allowed).toBe(true);
        expect((await second.limits.limiter(rule).consume('k')).remaining).toBe(0);
        expect((await first.limits.limiter(rule).consume('k')).allowed).toBe(false);
        await second.limits.limiter(rule).reset('k');
        expect((await first.limits.limiter(rule).check('k')).remaining).toBe(2);
      } finally {
        await first.close();
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
