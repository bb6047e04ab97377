import type { DatabaseTarget } from './database-url';

/**
 * The database could not be opened, connected to or brought up to date. The message names
 * the setting it came from (`DATABASE_URL`, `BRIDGE_DATABASE_URL`), the database (a SQLite
 * file, or PostgreSQL's host, port and database, never a password) and the cause; the
 * driver's error is kept as `cause`.
 *
 * @example
 * // DATABASE_URL: cannot reach PostgreSQL at 127.0.0.1:5999/onboard: connection refused (ECONNREFUSED)
 */
export class DatabaseOpenError extends Error {
  constructor(
    /** The configuration setting that named the database. */
    readonly setting: string,
    message: string,
    options: { cause: unknown },
  ) {
    super(`${setting}: ${message}`, options);
    this.name = 'DatabaseOpenError';
  }
}

/** The database a target points at, for messages: never the URL itself (it may hold a password). */
export function describeDatabase(target: DatabaseTarget): string {
  if (target.kind === 'sqlite')
    return target.file === ':memory:' ? 'the in-memory SQLite database' : `the SQLite file ${target.file}`;
  try {
    const url = new URL(target.url);
    return `PostgreSQL at ${url.hostname || 'localhost'}:${url.port || '5432'}${url.pathname.length > 1 ? url.pathname : ''}`;
  } catch {
    return 'PostgreSQL (a URL that does not parse)';
  }
}

/** Network errors a driver reports by code, in words. */
const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is the server running and listening there?',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved now',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ECONNRESET: 'the server closed the connection',
};

/**
 * Wraps a failure to open `target` in a {@link DatabaseOpenError} that says what failed:
 * `stage` is what was being done (`open`: connecting or opening the file; `migrate`: applying
 * the schema migrations).
 */
export function databaseOpenError(
  setting: string,
  target: DatabaseTarget,
  stage: 'open' | 'migrate',
  error: unknown,
): DatabaseOpenError {
  const database = describeDatabase(target);
  const code = (error as { code?: unknown })?.code;
  // Duck-typed: errors from Node's core may come from another realm (a test sandbox).
  const message = (error as { message?: unknown })?.message;
  const detail = typeof message === 'string' ? message : String(error);
  const cause =
    typeof code === 'string' && NETWORK_CAUSES[code] ? `${NETWORK_CAUSES[code]} (${code})` : withCode(detail, code);
  const doing =
    stage === 'migrate'
      ? `cannot bring the schema of ${database} up to date`
      : target.kind === 'sqlite'
        ? `cannot open ${database}`
        : `cannot reach PostgreSQL or log in to it (${database.replace(/^PostgreSQL at /, '')})`;
  return new DatabaseOpenError(setting, `${doing}: ${cause}`, { cause: error });
}

function withCode(detail: string, code: unknown): string {
  return typeof code === 'string' && code !== '' && !detail.includes(code) ? `${detail} (${code})` : detail;
}
