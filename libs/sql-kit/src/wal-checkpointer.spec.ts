import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startWalCheckpointer } from './wal-checkpointer';

interface TestDatabase {
  pragma(sql: string): unknown;
  exec(sql: string): void;
  prepare(sql: string): { run(...params: unknown[]): unknown };
  close(): void;
}
const Database = createRequire(__filename)('better-sqlite3') as new (file: string) => TestDatabase;

describe('startWalCheckpointer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'onboard-wal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A WAL database holding `rows` rows of 1 kB in its WAL only (no automatic checkpoint). */
  function walDatabase(rows: number): { file: string; db: TestDatabase; size: () => number } {
    const file = path.join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE t (v TEXT)');
    const insert = db.prepare('INSERT INTO t (v) VALUES (?)');
    for (let i = 0; i < rows; i++) insert.run('x'.repeat(1000));
    return { file, db, size: () => statSync(file).size };
  }

  async function grownBeyond(size: () => number, bytes: number): Promise<number> {
    const deadline = Date.now() + 5000;
    while (size() <= bytes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return size();
  }

  it('copies committed WAL frames into the database file from its worker thread, once enough commits are noted', async () => {
    const { file, db, size } = walDatabase(200);
    const before = size();
    const checkpointer = startWalCheckpointer({ file, commitsPerCheckpoint: 200, maxDelayMs: 60_000 });
    try {
      for (let i = 0; i < 199; i++) checkpointer.committed();
      await new Promise((r) => setTimeout(r, 100));
      expect(size()).toBe(before); // not due yet: the worker was not woken
      checkpointer.committed(); // the 200th commit
      expect(await grownBeyond(size, before)).toBeGreaterThan(before + 150 * 1000);
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  it('checkpoints at the latest maxDelayMs after a lone commit', async () => {
    const { file, db, size } = walDatabase(100);
    const before = size();
    const checkpointer = startWalCheckpointer({ file, commitsPerCheckpoint: 1000, maxDelayMs: 50 });
    try {
      checkpointer.committed();
      expect(await grownBeyond(size, before)).toBeGreaterThan(before + 75 * 1000);
    } finally {
      await checkpointer.stop();
      db.close();
    }
  });

  /** A thread's nice value (Linux: /proc/self/task/<tid>/stat, field 19). */
  function niceOf(tid: string | number): number {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
  }
  /** The nice values of this process's threads. */
  function threadNiceValues(): number[] {
    return readdirSync('/proc/self/task').flatMap((tid) => {
      try {
        return [niceOf(tid)];
      } catch {
        return []; // the thread ended meanwhile
      }
    });
  }

  const onLinux = process.platform === 'linux';
  if (!onLinux) console.log("skipped: the checkpoint thread's nice value is set on Linux only");
  (onLinux ? it : it.skip)(
    'runs its worker thread at the nice value asked for, the rest of the process unchanged',
    async () => {
      const file = path.join(dir, 'db.sqlite');
      const db = new Database(file);
      db.pragma('journal_mode = WAL');
      expect(threadNiceValues()).not.toContain(7);
      const mainBefore = niceOf(process.pid);
      const checkpointer = startWalCheckpointer({ file, nice: 7 });
      try {
        const deadline = Date.now() + 5000;
        while (!threadNiceValues().includes(7) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const values = threadNiceValues();
        expect(values.filter((v) => v === 7)).toHaveLength(1);
        // The main thread (thread id = process id) keeps the process's priority.
        expect(niceOf(process.pid)).toBe(mainBefore);
      } finally {
        await checkpointer.stop();
        db.close();
      }
    },
  );

  it('stops its worker when asked', async () => {
    const file = path.join(dir, 'db.sqlite');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    const checkpointer = startWalCheckpointer({ file });
    await expect(checkpointer.stop()).resolves.toBeUndefined();
    db.close();
  });
});
