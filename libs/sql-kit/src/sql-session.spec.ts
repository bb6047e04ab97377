import { createRequire } from 'node:module';
import { SqliteSession } from './sql-session';

/** The part of better-sqlite3 these tests use (the package ships no types). */
interface TestDatabase {
  exec(sql: string): void;
  prepare(sql: string): { all(...params: unknown[]): unknown[]; run(...params: unknown[]): unknown };
  close(): void;
  readonly inTransaction: boolean;
}
const Database = createRequire(__filename)('better-sqlite3') as new (file: string) => TestDatabase;

describe('SqliteSession', () => {
  it('turns a driver error that is not an Error of this realm into one, keeping its code and cause', async () => {
    // What better-sqlite3 throws when its addon was first loaded in another realm.
    const foreign = { message: 'UNIQUE constraint failed: t.k', code: 'SQLITE_CONSTRAINT_UNIQUE' };
    const session = new SqliteSession({
      prepare: () => {
        throw foreign;
      },
      exec: () => {},
      inTransaction: false,
    });
    const error = await session.run('INSERT INTO t (k) VALUES (?)', ['x']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ message: 'UNIQUE constraint failed: t.k', code: 'SQLITE_CONSTRAINT_UNIQUE' });
    expect((error as Error).cause).toBe(foreign);
    await expect(session.all('SELECT * FROM t', [])).rejects.toThrow('UNIQUE constraint failed');
  });

  describe('with group commit', () => {
    let db: TestDatabase;
    let session: SqliteSession;
    let commits: number;
    let reported: number;
    beforeEach(() => {
      reported = 0;
      db = new Database(':memory:');
      db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER)');
      commits = 0;
      const exec = db.exec.bind(db);
      const counting = Object.create(db) as TestDatabase;
      counting.exec = (sql: string) => {
        if (sql === 'COMMIT') commits++;
        return exec(sql);
      };
      session = new SqliteSession(counting as never, { groupCommit: true, onCommit: () => reported++ });
    });
    afterEach(() => db.close());

    it('commits the writes of one event-loop turn together, each resolving only once committed', async () => {
      const writes = ['a', 'b', 'c'].map((k) => session.run('INSERT INTO t (k, v) VALUES (?, ?)', [k, 1]));
      expect(db.inTransaction).toBe(true);
      expect(await Promise.all(writes)).toEqual([1, 1, 1]);
      expect(db.inTransaction).toBe(false);
      expect(commits).toBe(1);
      expect(reported).toBe(1); // one commit reported (WAL checkpoints are scheduled by it)
    });

    it('fails only the write that failed, not the others of its group', async () => {
      await session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
      const results = await Promise.allSettled([
        session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['b', 1]),
        session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 2]),
        session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['c', 1]),
      ]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(db.prepare('SELECT k FROM t ORDER BY k').all()).toEqual([{ k: 'a' }, { k: 'b' }, { k: 'c' }]);
    });

    it('lets a read wait until the pending writes are committed', async () => {
      const write = session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
      let committedWhenRead: boolean | undefined;
      const read = session.all('SELECT k FROM t', []).then((rows) => {
        committedWhenRead = !db.inTransaction;
        return rows;
      });
      expect(await read).toEqual([{ k: 'a' }]);
      expect(committedWhenRead).toBe(true);
      await write;
    });

    it('rolls back only the writes of a throwing transaction, not the pending writes of its group', async () => {
      const write = session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
      await expect(
        session.transaction(async (tx) => {
          await tx.run('INSERT INTO t (k, v) VALUES (?, ?)', ['b', 1]);
          throw new Error('roll back b only');
        }),
      ).rejects.toThrow('roll back b only');
      await write;
      expect(db.prepare('SELECT k FROM t').all()).toEqual([{ k: 'a' }]);
    });

    it('commits a transaction together with the other writes of its turn, resolving only once committed', async () => {
      const write = session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
      const tx = session.transaction(async (inside) => {
        await inside.run('INSERT INTO t (k, v) VALUES (?, ?)', ['b', 1]);
        return 'done';
      });
      await expect(tx).resolves.toBe('done');
      await write;
      expect(db.inTransaction).toBe(false);
      expect(commits).toBe(1);
      expect(db.prepare('SELECT k FROM t ORDER BY k').all()).toEqual([{ k: 'a' }, { k: 'b' }]);
    });

    it('holds the group commit back while a transaction of the group awaits across turns', async () => {
      const write = session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
      const tx = session.transaction(async (inside) => {
        await inside.run('INSERT INTO t (k, v) VALUES (?, ?)', ['b', 1]);
        await new Promise((resolve) => setTimeout(resolve, 5));
        // The group's commit came due meanwhile; nothing of the group is committed yet.
        expect(commits).toBe(0);
        expect(db.inTransaction).toBe(true);
        await inside.run('INSERT INTO t (k, v) VALUES (?, ?)', ['c', 1]);
      });
      await tx;
      await write;
      expect(commits).toBe(1);
      expect(db.prepare('SELECT k FROM t ORDER BY k').all()).toEqual([{ k: 'a' }, { k: 'b' }, { k: 'c' }]);
    });

    it('runs the statements of the session handed to a transaction inside it, and makes others wait', async () => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const tx = session.transaction(async (inside) => {
        await inside.run('INSERT INTO t (k, v) VALUES (?, ?)', ['in', 1]);
        await gate;
        throw new Error('abort');
      });
      const outside = session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['out', 1]);
      release();
      await expect(tx).rejects.toThrow('abort');
      await outside;
      expect(db.prepare('SELECT k FROM t').all()).toEqual([{ k: 'out' }]);
    });

    it('makes a nested transaction a savepoint of the outer one', async () => {
      await session.transaction(async (outer) => {
        await outer.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
        await expect(
          outer.transaction(async (inner) => {
            await inner.run('INSERT INTO t (k, v) VALUES (?, ?)', ['b', 1]);
            throw new Error('undo b');
          }),
        ).rejects.toThrow('undo b');
      });
      expect(db.prepare('SELECT k FROM t').all()).toEqual([{ k: 'a' }]);
    });

    it('commits at once on flush', async () => {
      const write = session.run('INSERT INTO t (k, v) VALUES (?, ?)', ['a', 1]);
      session.flush();
      expect(db.inTransaction).toBe(false);
      await expect(write).resolves.toBe(1);
    });
  });
});
