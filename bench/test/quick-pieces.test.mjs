// The pieces of `npm run bench -- --quick` at tiny sizes: the growth benchmark (migrations,
// bulk seeding, flows on the seeded provider) on SQLite and, where it answers, PostgreSQL, and
// the owner path (passkey and bearer) on the device simulator. They need the built product
// (`npm run build`): without dist/ they are skipped with the reason.
// Run with `node --test bench/test/`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import test from 'node:test';

import { DEFAULT_POSTGRES_URL, postgresUnavailable, runGrowth } from '../growth/run.mjs';
import { runOwnerPaths } from '../owner-path.mjs';

const built = existsSync(new URL('../../dist/apps/ciba-provider/src/bootstrap.js', import.meta.url));
const needsBuild = built ? false : 'dist/ is missing: run `npm run build` first';
const postgresUrl = process.env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES_URL;

test(
  'growth seeds each size into the real schema and measures flows on it',
  { skip: needsBuild, timeout: 90_000 },
  async () => {
    const postgresDown = await postgresUnavailable(postgresUrl);
    if (postgresDown && process.env.ONBOARD_REQUIRE_POSTGRES) assert.fail(postgresDown);
    const result = await runGrowth({
      sizes: [20, 300],
      stores: ['sqlite', 'postgres'],
      flows: 30,
      warmup: 20,
      concurrency: 5,
      repeats: 1,
      postgresUrl,
      log: () => {},
    });
    const stores = postgresDown ? ['sqlite'] : ['sqlite', 'postgres'];
    if (postgresDown) assert.equal(result.skipped.postgres, postgresDown);
    assert.deepEqual(
      result.rows.map((r) => `${r.store} ${r.size}`),
      stores.flatMap((s) => [`${s} 20`, `${s} 300`]),
    );
    for (const row of result.rows) {
      assert.deepEqual(row.seeded, {
        owners: row.size,
        owner_devices: row.size,
        clients: row.size,
        auth_requests: row.size,
        audit_events: row.size,
      });
      assert.equal(row.completed, 30, `${row.store} ${row.size}: every measured flow completes`);
      assert.equal(row.failed, 0);
      assert.ok(row.cpuMsPerFlow > 0 && row.approvalToTokenP99 > 0);
    }
    for (const store of stores) assert.equal(typeof result.flatness[store].flat, 'boolean');
  },
);

test('the owner path runs the same scenario through the passkey and the bearer path', { timeout: 60_000 }, async () => {
  const result = await runOwnerPaths({ cars: 3, count: 3, concurrency: 3, repeats: 1, log: () => {} });
  for (const path of ['passkey', 'bearer']) {
    assert.equal(result.summary[path].flows, 3);
    assert.equal(result.summary[path].approved, 3, `${path}: every owner approved`);
    assert.ok(result.summary[path].approvalToTokensP99 >= 0);
  }
});
