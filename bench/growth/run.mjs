#!/usr/bin/env node
// Growth: does a flow cost the same when the provider's database already holds 1k, 100k or 1M
// owners, owner devices, head-units and historical requests? For each store (SQLite,
// PostgreSQL) and size: a fresh database, the provider's migrations (one start of the built
// provider), bulk seeding (seed.mjs), then the provider started on it and saturated ping flows
// from the load generator, measured as in run.mjs (flows/s, provider CPU per flow, approval →
// token p99). Part of `npm run bench` (bench/all.mjs); alone:
//   node bench/growth/run.mjs --sizes 1000,100000 --stores sqlite,postgres --flows 2000
// PostgreSQL is skipped, with the reason printed, when --postgres-url does not answer.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describeSetup, openLoadGenerator } from '../lib/load-generators.mjs';
import { measureFlows } from '../lib/measure.mjs';
import { medianOfRuns } from '../stats.mjs';
import { startOnboard } from '../targets/onboard.mjs';
import { seedPostgres, seedPlan, seedSqlite } from './seed.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MIGRATE = fileURLToPath(new URL('./migrate.mjs', import.meta.url));
export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
const GROWTH_DATABASE = 'onboard_bench_growth';
/** The cost per flow may grow this much from the smallest size to the largest (issue 17). */
export const FLAT_TOLERANCE = 0.2;

/** Whether PostgreSQL answers at `url`: undefined, or the reason it cannot be used. */
export async function postgresUnavailable(url) {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${new URL(url).host} did not answer (${err.code ?? err.message})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh empty database of `store`; `drop()` removes it. */
async function freshDatabase(store, postgresUrl) {
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'onboard-growth-'));
    const file = join(dir, 'onboard.sqlite');
    return {
      url: `sqlite:${file}`,
      seed: (size) => seedSqlite(file, size),
      sizeBytes: () => ['', '-wal'].reduce((sum, s) => sum + (statSafe(file + s)?.size ?? 0), 0),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const { default: pg } = await import('pg');
  const admin = async (sql) => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${GROWTH_DATABASE} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${GROWTH_DATABASE}`);
  const url = new URL(postgresUrl);
  url.pathname = `/${GROWTH_DATABASE}`;
  return {
    url: url.toString(),
    seed: (size) => seedPostgres(url.toString(), size),
    sizeBytes: async () => Number((await admin(`SELECT pg_database_size('${GROWTH_DATABASE}') AS n`)).rows[0].n),
    drop: () => admin(`DROP DATABASE IF EXISTS ${GROWTH_DATABASE} WITH (FORCE)`),
  };
}

function statSafe(file) {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

/** One store at one size: migrate, seed, start, measure. */
async function measureSize({ store, size, config, generator, log }) {
  const db = await freshDatabase(store, config.postgresUrl);
  try {
    execFileSync(process.execPath, [MIGRATE, db.url, config.root], { stdio: ['ignore', 'ignore', 'inherit'] });
    const seedStarted = Date.now();
    const seeded = await db.seed(size);
    const seedSeconds = (Date.now() - seedStarted) / 1000;
    const databaseBytes = await db.sizeBytes();
    log(
      `growth ${store} ${size}: seeded in ${seedSeconds.toFixed(1)} s (${(databaseBytes / 2 ** 20).toFixed(0)} MiB); `,
    );
    const runs = [];
    for (let repeat = 0; repeat < config.repeats; repeat++) {
      const { target, process: child } = await startOnboard({
        owners: config.concurrency,
        pingPort: generator.pingPort,
        root: config.root,
        databaseUrl: db.url,
      });
      try {
        runs.push(
          await measureFlows({
            target,
            child,
            scenario: { mode: 'ping', flows: config.flows, thinkMs: 0, warmup: config.warmup, jitWarmup: 0 },
            scenarioKey: `growth-${store}-${size}`,
            repeat,
            concurrency: config.concurrency,
            generator,
          }),
        );
      } finally {
        await child.stop();
      }
    }
    const summary = medianOfRuns(runs);
    const result = {
      store,
      size,
      seeded,
      seedSeconds,
      databaseBytes,
      repeats: runs.length,
      completed: summary.completed,
      failed: summary.failedTotal,
      flowsPerSecond: summary.flowsPerSecond,
      cpuMsPerFlow: summary.cpuMsPerFlow,
      approvalToTokenP50: summary.steps.approvalToToken?.p50,
      approvalToTokenP99: summary.steps.approvalToToken?.p99,
      loadAverageBefore: runs[0]?.loadAverageBefore,
    };
    log(
      `${result.flowsPerSecond?.toFixed(1)} flows/s, ${result.cpuMsPerFlow?.toFixed(2)} CPU ms/flow, approval → token p99 ${result.approvalToTokenP99?.toFixed(1)} ms\n`,
    );
    return result;
  } finally {
    await db.drop();
  }
}

/**
 * The growth table: each store at each size, and per store whether the cost per flow stayed
 * within {@link FLAT_TOLERANCE} from the smallest size to the largest.
 * @param {{ root?: string, sizes: number[], stores: string[], flows: number, warmup: number,
 *   concurrency: number, repeats: number, postgresUrl?: string, loadGenerator?: string,
 *   log?: (text: string) => void }} options
 */
export async function runGrowth(options) {
  const log = options.log ?? ((text) => process.stderr.write(text));
  const config = { root: ROOT, postgresUrl: DEFAULT_POSTGRES_URL, ...options };
  const skipped = {};
  if (config.stores.includes('postgres')) {
    const reason = await postgresUnavailable(config.postgresUrl);
    if (reason) {
      skipped.postgres = reason;
      log(`growth: PostgreSQL skipped: ${reason}\n`);
    }
  }
  const generator = await openLoadGenerator({ setting: config.loadGenerator ?? 'auto' });
  log(`growth: ${describeSetup(generator)}\n`);
  const rows = [];
  try {
    for (const store of config.stores) {
      if (skipped[store]) continue;
      for (const size of config.sizes) rows.push(await measureSize({ store, size, config, generator, log }));
    }
  } finally {
    await generator.stop();
  }
  return {
    sizes: config.sizes,
    stores: config.stores,
    flows: config.flows,
    warmup: config.warmup,
    concurrency: config.concurrency,
    repeats: config.repeats,
    loadGenerator: generator.kind,
    plan: Object.fromEntries(config.sizes.map((size) => [size, seedPlan(size)])),
    skipped,
    rows,
    flatness: flatness(rows, config.stores),
  };
}

/** Per store: CPU ms per flow at the largest size over the smallest, and whether within the tolerance. */
export function flatness(rows, stores) {
  const out = {};
  for (const store of stores) {
    const mine = rows.filter((r) => r.store === store && typeof r.cpuMsPerFlow === 'number');
    if (mine.length < 2) continue;
    const smallest = mine.reduce((a, b) => (b.size < a.size ? b : a));
    const largest = mine.reduce((a, b) => (b.size > a.size ? b : a));
    const ratio = largest.cpuMsPerFlow / smallest.cpuMsPerFlow;
    out[store] = { from: smallest.size, to: largest.size, ratio, flat: ratio <= 1 + FLAT_TOLERANCE };
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { Command } = await import('commander');
  const list = (value) => value.split(',').map((s) => Number(s.trim()) || s.trim());
  const opts = new Command('growth')
    .option('--sizes <list>', 'stored owners (and devices, head-units, requests) per run', list, [1000, 100000])
    .option('--stores <list>', 'sqlite, postgres', list, ['sqlite', 'postgres'])
    .option('--flows <n>', 'measured flows per run', Number, 2000)
    .option('--warmup <n>', 'unmeasured flows first', Number, 1000)
    .option('--concurrency <n>', 'flows in flight', Number, 50)
    .option('--repeats <n>', 'runs per size (median)', Number, 1)
    .option('--postgres-url <url>', 'a PostgreSQL the bench may create a database on', DEFAULT_POSTGRES_URL)
    .parse()
    .opts();
  const result = await runGrowth(opts);
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
}
