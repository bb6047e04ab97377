import { AsyncLocalStorage } from 'node:async_hooks';
import type { DataSource, QueryRunner } from 'typeorm';

export type Row = Record<string, unknown>;

/**
 * The narrow SQL surface the stores use. Statements are written with `?` placeholders
 * and the dialect's own SQL (both SQLite and PostgreSQL accept the subset we use:
 * `ON CONFLICT`, `RETURNING`, `LIMIT ?`).
 */
export interface SqlSession {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params: readonly unknown[]): Promise<Row[]>;
  /** Returns the number of affected rows. */
  run(sql: string, params: readonly unknown[]): Promise<number>;
  /**
   * Runs `fn` in one database transaction: commit on resolve, rollback on throw.
   * Statements issued through the session handed to `fn` run in the transaction (on
   * PostgreSQL, every statement of `fn`'s async context does). A nested call becomes a
   * savepoint.
   */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /**
   * A number that changes whenever another connection (another process) commits to the
   * database, or undefined where that cannot be told cheaply or the caller is inside a
   * transaction: read caches may keep committed rows only while it stays the same.
   */
  externalVersion?(): number | undefined;
  /**
   * True for the session a transaction hands its callback. Read caches serve committed
   * rows they already hold to it, but never keep what it reads (it may see its own
   * uncommitted writes).
   */
  readonly inTransaction?: boolean;
  /**
   * Whether a statement issued now runs inside a transaction of this session (the callback's
   * session on SQLite; the async context's transaction on PostgreSQL). A unit of work that
   * writes at most once can then skip a savepoint of its own: the enclosing transaction keeps
   * or undoes it with the rest.
   */
  insideTransaction?(): boolean;
}

interface TxScope {
  /** False once the transaction has ended (work scheduled from inside it must not reuse it). */
  active: boolean;
  depth: number;
  runner?: QueryRunner;
}

interface Statement {
  reader: boolean;
  /** True when the statement does not write (better-sqlite3). */
  readonly: boolean;
  all(...params: unknown[]): Row[];
  run(...params: unknown[]): { changes: number };
}
interface BetterSqliteDatabase {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  readonly inTransaction: boolean;
}

/** Options of {@link SqliteSession}. */
export interface SqliteSessionOptions {
  /**
   * Group commit: writes issued outside a transaction within one turn of the event loop
   * share one database transaction, committed before any of them resolves. Each write
   * still resolves only once it is committed, and reads wait for a pending commit, so no
   * caller sees data that is not committed. A transaction joins the same group as a
   * savepoint (atomic on its own, resolved once the group is committed). Default false.
   */
  groupCommit?: boolean;
  /** Called after each commit of this connection (e.g. to schedule WAL checkpoints). */
  onCommit?: () => void;
}

/** Writes waiting for the group commit that contains them, and reads waiting for it to end. */
interface CommitGroup {
  /** Settles when the group's writes are committed (or rolled back: rejects). */
  done: Promise<void>;
  /** Resolves when the group has ended either way; settled before `done`, so waiting reads run first. */
  ended: Promise<void>;
  settle(error?: unknown): void;
}

function commitGroup(): CommitGroup {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  let end!: () => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const ended = new Promise<void>((res) => (end = res));
  // A group nobody awaits (all its writes failed on their own) must not be an unhandled rejection.
  done.catch(() => undefined);
  return {
    done,
    ended,
    settle(error) {
      end();
      if (error === undefined) resolve();
      else reject(error);
    },
  };
}

type Step<R> = (stmt: Statement, bound: unknown[]) => R;
const allStep: Step<Row[]> = (stmt, bound) => (stmt.reader ? stmt.all(...bound) : (stmt.run(...bound), []));
const runStep: Step<number> = (stmt, bound) => (stmt.reader ? stmt.all(...bound).length : stmt.run(...bound).changes);

/**
 * SQLite through the better-sqlite3 connection TypeORM opened: prepared statements are
 * cached and run synchronously, which keeps per-call overhead to microseconds.
 * better-sqlite3 has one connection, so a transaction holds a gate: statements not
 * issued through the transaction's own session wait until it ends instead of landing
 * inside it. The transaction's session is handed to `fn` explicitly rather than found
 * through AsyncLocalStorage, whose promise hooks would tax every promise of the process.
 */
export class SqliteSession implements SqlSession {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Statement>();
  private readonly groupCommit: boolean;
  private readonly onCommit?: () => void;
  private locked = false;
  private waiters: Array<() => void> = [];
  /** The open group commit, if writes are waiting for one. */
  private group?: CommitGroup;
  /** Set when the group's commit came due while a transaction of the group was open. */
  private flushWhenUnlocked = false;
  /** `PRAGMA data_version` as read in this turn of the event loop. */
  private dataVersion?: number;

  constructor(
    private readonly db: BetterSqliteDatabase,
    options: SqliteSessionOptions = {},
  ) {
    this.groupCommit = options.groupCommit ?? false;
    this.onCommit = options.onCommit;
  }

  static fromDataSource(dataSource: DataSource, options: SqliteSessionOptions = {}): SqliteSession {
    const db = (dataSource.driver as unknown as { databaseConnection: BetterSqliteDatabase }).databaseConnection;
    return new SqliteSession(db, options);
  }

  async all(sql: string, params: readonly unknown[]): Promise<Row[]> {
    return this.execute(sql, params, allStep);
  }

  async run(sql: string, params: readonly unknown[]): Promise<number> {
    return this.execute(sql, params, runStep);
  }

  /**
   * SQLite's `PRAGMA data_version`: unchanged until another connection commits. Only
   * with group commit (reads then never see uncommitted rows) and outside a transaction.
   */
  externalVersion(): number | undefined {
    if (!this.groupCommit) return undefined;
    // Read once per turn of the event loop: a commit by another process during this
    // turn is seen on the next one, as if it had come a moment later.
    if (this.dataVersion === undefined) {
      const [row] = this.statement('PRAGMA data_version').all();
      this.dataVersion = row?.['data_version'] as number | undefined;
      setImmediate(() => (this.dataVersion = undefined));
    }
    return this.dataVersion;
  }

  /** Commit the open group commit now (before closing the database). */
  flush(): void {
    const group = this.group;
    if (!group) return;
    if (this.locked) {
      // A transaction of the group is still open (it awaited across turns): commit after it.
      this.flushWhenUnlocked = true;
      return;
    }
    this.group = undefined;
    try {
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      group.settle(asError(err));
      return;
    }
    this.onCommit?.();
    group.settle();
  }

  private async execute<R>(sql: string, params: readonly unknown[], step: Step<R>): Promise<R> {
    // `while`: another waiter woken with us may have started a transaction of its own.
    while (this.locked) await this.waitForGate();
    let stmt: Statement;
    try {
      stmt = this.statement(sql);
    } catch (err) {
      throw asError(err);
    }
    if (!this.groupCommit) {
      let result: R;
      try {
        result = step(stmt, bind(params));
      } catch (err) {
        throw asError(err);
      }
      if (!stmt.readonly) this.onCommit?.(); // autocommitted
      return result;
    }
    if (stmt.readonly) {
      // Never read what a pending group commit has not made durable yet.
      while (this.group || this.locked) await (this.group ? this.group.ended : this.waitForGate());
      try {
        return step(stmt, bind(params));
      } catch (err) {
        throw asError(err);
      }
    }
    // A write outside a transaction joins the group commit of this turn of the event loop.
    const group = this.openGroup();
    let result: R;
    try {
      result = step(stmt, bind(params));
    } catch (err) {
      // A failed statement undoes only itself; should SQLite have ended the whole
      // transaction (I/O error, disk full), the group's other writes fail with it.
      if (!this.db.inTransaction && this.group === group) {
        this.group = undefined;
        group.settle(asError(err));
      }
      throw asError(err);
    }
    await group.done;
    return result;
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    while (this.locked) await this.waitForGate();
    if (this.groupCommit) return this.groupedTransaction(fn);
    // Writes already grouped commit first; this transaction runs on its own.
    this.flush();
    this.locked = true;
    const scope: TxScope = { active: true, depth: 0 };
    try {
      // IMMEDIATE takes the write lock now, so a second process fails fast (busy_timeout).
      this.db.exec('BEGIN IMMEDIATE');
      let result: T;
      try {
        result = await fn(this.scoped(scope));
      } catch (err) {
        this.db.exec('ROLLBACK');
        throw err;
      }
      this.db.exec('COMMIT');
      this.onCommit?.();
      return result;
    } finally {
      this.unlock(scope);
    }
  }

  /** The group commit of this turn of the event loop, begun if none is open. */
  private openGroup(): CommitGroup {
    const open = this.group;
    if (open) return open;
    try {
      // IMMEDIATE takes the write lock now, so a second process fails fast (busy_timeout).
      this.db.exec('BEGIN IMMEDIATE');
    } catch (err) {
      throw asError(err);
    }
    const group = (this.group = commitGroup());
    setImmediate(() => {
      if (this.group === group) this.flush();
    });
    return group;
  }

  /**
   * With group commit, a transaction is a savepoint inside the group commit of its turn
   * instead of a commit of its own: `fn`'s writes are undone together if it throws, kept
   * together otherwise, and the result is returned only once the group is committed. The
   * gate keeps other statements out of it while it is open.
   */
  private async groupedTransaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const group = this.openGroup();
    this.locked = true;
    const scope: TxScope = { active: true, depth: 0 };
    let result: T;
    try {
      this.db.exec('SAVEPOINT tx');
      try {
        result = await fn(this.scoped(scope));
      } catch (err) {
        this.undoGrouped(group);
        throw err;
      }
      this.db.exec('RELEASE tx');
    } finally {
      this.unlock(scope);
      if (this.flushWhenUnlocked) {
        this.flushWhenUnlocked = false;
        if (this.group === group) this.flush();
      }
    }
    await group.done;
    return result;
  }

  /** Undo a grouped transaction's writes; should SQLite have ended the whole group, its writes fail too. */
  private undoGrouped(group: CommitGroup): void {
    if (this.db.inTransaction) {
      this.db.exec('ROLLBACK TO tx');
      this.db.exec('RELEASE tx');
      return;
    }
    if (this.group === group) {
      this.group = undefined;
      group.settle(new Error('the database ended the transaction'));
    }
  }

  /** The session of one transaction: its statements run inside it while it is active. */
  private scoped(scope: TxScope): SqlSession {
    const inside = <R>(sql: string, params: readonly unknown[], step: Step<R>): Promise<R> => {
      // Work scheduled from inside the transaction that runs after it ended is ordinary work.
      if (!scope.active) return this.execute(sql, params, step);
      try {
        return Promise.resolve(step(this.statement(sql), bind(params)));
      } catch (err) {
        return Promise.reject(asError(err));
      }
    };
    const session: SqlSession = {
      dialect: 'sqlite',
      inTransaction: true,
      insideTransaction: () => scope.active,
      // Cached committed rows stay valid inside the transaction: another connection's
      // commit still changes the version; this transaction's own writes clear the caches.
      externalVersion: () => (scope.active ? this.externalVersion() : undefined),
      all: (sql, params) => inside(sql, params, allStep),
      run: (sql, params) => inside(sql, params, runStep),
      transaction: (fn) => (scope.active ? this.savepoint(scope, () => fn(session)) : this.transaction(fn)),
    };
    return session;
  }

  private async savepoint<T>(scope: TxScope, fn: () => Promise<T>): Promise<T> {
    const name = `sp_${++scope.depth}`;
    this.db.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      this.db.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      this.db.exec(`ROLLBACK TO ${name}`);
      this.db.exec(`RELEASE ${name}`);
      throw err;
    } finally {
      scope.depth--;
    }
  }

  /** End a transaction's hold on the connection and let waiting statements in. */
  private unlock(scope: TxScope): void {
    scope.active = false;
    this.locked = false;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private waitForGate(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

/**
 * better-sqlite3's native addon builds its `SqliteError` from the `Error` of the first
 * JS realm that loaded it; in another realm (a second Jest test file, a vm context)
 * that error is not `instanceof Error`. Callers get an `Error` of their own realm,
 * with the original `code` (e.g. SQLITE_CONSTRAINT_UNIQUE) and the original as `cause`.
 */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const source = err as { message?: unknown; code?: unknown };
  const error = new Error(String(source?.message ?? err), { cause: err });
  if (source?.code !== undefined) Object.assign(error, { code: source.code });
  return error;
}

/** better-sqlite3 binds neither booleans nor undefined. */
function bind(params: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const p = params[i];
    out[i] = p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p;
  }
  return out;
}

/**
 * PostgreSQL through TypeORM query runners (pooled pg connections). Outside a
 * transaction each statement borrows a pooled connection; inside one, every statement
 * of the async context uses the transaction's query runner.
 */
export class PostgresSession implements SqlSession {
  readonly dialect = 'postgres' as const;
  private readonly texts = new Map<string, string>();
  private readonly scope = new AsyncLocalStorage<TxScope>();

  constructor(private readonly dataSource: DataSource) {}

  insideTransaction(): boolean {
    return this.scope.getStore()?.active === true;
  }

  async all(sql: string, params: readonly unknown[]): Promise<Row[]> {
    const result = await this.query(sql, params);
    return (result.records as Row[] | undefined) ?? [];
  }

  async run(sql: string, params: readonly unknown[]): Promise<number> {
    const result = await this.query(sql, params);
    return result.affected ?? (result.records as Row[] | undefined)?.length ?? 0;
  }

  async transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const current = this.scope.getStore();
    if (current?.active && current.runner) {
      const runner = current.runner;
      const name = `sp_${++current.depth}`;
      await runner.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(this);
        await runner.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await runner.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw err;
      } finally {
        current.depth--;
      }
    }
    const runner = this.dataSource.createQueryRunner();
    const scope: TxScope = { active: true, depth: 0, runner };
    try {
      await runner.connect();
      await runner.startTransaction();
      let result: T;
      try {
        result = await this.scope.run(scope, () => fn(this));
      } catch (err) {
        await runner.rollbackTransaction();
        throw err;
      }
      await runner.commitTransaction();
      return result;
    } finally {
      scope.active = false;
      await runner.release();
    }
  }

  private async query(sql: string, params: readonly unknown[]) {
    const text = this.text(sql);
    const values = params.map((p) => (p === undefined ? null : p));
    const scope = this.scope.getStore();
    if (scope?.active && scope.runner) return scope.runner.query(text, values, true);
    const runner = this.dataSource.createQueryRunner();
    try {
      return await runner.query(text, values, true);
    } finally {
      await runner.release();
    }
  }

  /** `?` placeholders become `$1…$n` (our statements hold no literal question marks). */
  private text(sql: string): string {
    let text = this.texts.get(sql);
    if (text === undefined) {
      let n = 0;
      text = sql.replace(/\?/g, () => `$${++n}`);
      this.texts.set(sql, text);
    }
    return text;
  }
}
