import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Default PostgreSQL for tests: the local server, database `test`. */
export const DEFAULT_TEST_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** Whether PostgreSQL tests run here, and against what. */
export type PostgresTestTarget = { run: true; url: string } | { run: false; required: boolean; reason: string };

let cached: PostgresTestTarget | undefined;

/**
 * Decides, once per process, whether PostgreSQL tests run: `TEST_DATABASE_URL`
 * (default {@link DEFAULT_TEST_DATABASE_URL}) is probed with `select 1`. When it is
 * unreachable the tests are skipped with a printed reason, unless
 * `ONBOARD_REQUIRE_POSTGRES=1` (CI), in which case they fail.
 * Test-only: this is the one place test code reads these variables.
 *
 * @example
 * const target = postgresTestTarget();
 * if (target.run) await openStores({ databaseUrl: target.url, schema: postgresTestSchemaName() });
 */
export function postgresTestTarget(): PostgresTestTarget {
  if (cached) return cached;
  const url = process.env.TEST_DATABASE_URL || DEFAULT_TEST_DATABASE_URL;
  const required = process.env.ONBOARD_REQUIRE_POSTGRES === '1';
  // Jest defines tests synchronously, so the probe runs in a short-lived child process.
  const probe = `
    const { Client } = require('pg');
    const c = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('select 1')).then(() => c.end()).then(
      () => process.exit(0),
      (e) => { process.stderr.write(String(e && e.message || e)); process.exit(1); });`;
  try {
    execFileSync(process.execPath, ['-e', probe, url], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
    cached = { run: true, url };
  } catch (err) {
    const detail = (err as { stderr?: Buffer }).stderr?.toString().trim() || (err as Error).message;
    cached = { run: false, required, reason: `cannot connect to ${redact(url)}: ${detail}` };
  }
  return cached;
}

/**
 * `describe` for PostgreSQL-backed tests: runs `fn(url)` when the server is reachable;
 * otherwise prints why and skips, or, with `ONBOARD_REQUIRE_POSTGRES=1`, fails.
 *
 * @example
 * describePostgres('outbox on PostgreSQL', (url) => { it('…', async () => { … }) });
 */
export function describePostgres(name: string, fn: (url: string) => void): void {
  const target = postgresTestTarget();
  if (target.run) {
    describe(name, () => fn(target.url));
    return;
  }
  if (target.required) {
    describe(name, () => {
      it('requires a reachable PostgreSQL (ONBOARD_REQUIRE_POSTGRES=1)', () => {
        throw new Error(`PostgreSQL tests required but ${target.reason}`);
      });
    });
    return;
  }
  console.warn(
    `PostgreSQL tests skipped (${name}): ${target.reason} (set ONBOARD_REQUIRE_POSTGRES=1 to make them mandatory)`,
  );
  describe.skip(name, () => fn(''));
}

/** A fresh schema name for one test run (`onboard_test_<random>`). */
export function postgresTestSchemaName(): string {
  return `onboard_test_${randomBytes(6).toString('hex')}`;
}

/** Drops a test schema and everything in it. */
export async function dropPostgresSchema(url: string, schema: string): Promise<void> {
  if (!/^onboard_test_[a-z0-9_]+$/.test(schema)) throw new Error('refusing to drop a non-test schema');
  const { Client } = await import('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
