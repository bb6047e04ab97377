#!/usr/bin/env node
// `npm run bench`: every benchmark in one run, and docs/benchmarks.md written from it (the
// prose from bench/benchmarks.template.md, the figures from this run; all-report.mjs).
//   --quick   small sizes and one repeat, under two minutes: prints the page and writes
//             bench/results/benchmarks-quick.md (docs/ untouched unless --write)
// The provider and vehicle-path benchmarks run as child processes (run.mjs, bridge/run.mjs),
// the owner path through the device simulator, growth in this process (growth/run.mjs).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { machineFacts } from './lib/machine.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError, Option } from 'commander';

import { SECTIONS, renderBenchmarks } from './all-report.mjs';
import { DEFAULT_POSTGRES_URL, runGrowth } from './growth/run.mjs';
import { runOwnerPaths } from './owner-path.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEMPLATE = join(ROOT, 'bench/benchmarks.template.md');
const DOC = join(ROOT, 'docs/benchmarks.md');
const RESULTS_DIR = join(ROOT, 'bench/results');
const log = (text) => process.stderr.write(text);

/** Sizes of a full run and of `--quick`. */
export const PROFILES = {
  full: {
    provider: ['--scenarios', 'ping,ping-think', '--repeats', '3'],
    vehicle: ['--repeats', '1'],
    ownerPath: { cars: 200, count: 1000, concurrency: 50, repeats: 2 },
    growth: { sizes: [1000, 100_000, 1_000_000], flows: 2000, warmup: 1000, concurrency: 50, repeats: 1 },
  },
  quick: {
    provider: ['--scenarios', 'ping', '--flows', '300', '--warmup', '200', '--repeats', '1'],
    vehicle: [
      '--concurrency',
      '20',
      '--latency-flows',
      '40',
      '--think-ms',
      '300',
      '--flows',
      '100',
      '--warmup',
      '10',
      '--repeats',
      '1',
      '--idle-devices',
      '500',
    ],
    ownerPath: { cars: 20, count: 40, concurrency: 10, repeats: 1 },
    growth: { sizes: [1000, 10_000], flows: 200, warmup: 100, concurrency: 50, repeats: 1 },
  },
};

function machine() {
  const git = (...args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  return {
    ...machineFacts(),
    commit: git('rev-parse', '--short', 'HEAD'),
    dirty: Boolean(git('status', '--porcelain', '--untracked-files=no')),
    loadAverageStart: loadavg()[0],
  };
}

/** The newest modification time under `dir` (sources only). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds the product when dist/ is missing or older than apps/ and libs/. */
function buildIfStale() {
  const marker = join(ROOT, 'dist/apps/ciba-provider/src/bootstrap.js');
  const stale =
    !existsSync(marker) || statSync(marker).mtimeMs < Math.max(newest(join(ROOT, 'apps')), newest(join(ROOT, 'libs')));
  if (!stale) return log('bench: dist/ is up to date\n');
  log('bench: building the product (dist/ is missing or older than the sources)\n');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs a benchmark script as a child process; resolves with the JSON results it wrote. */
function runScript(script, args, out, { raiseOpenFiles = false } = {}) {
  const command = [process.execPath, script, ...args, '--out', out].map((a) => `'${a.replaceAll("'", "'\\''")}'`);
  // each MQTT connection is a file descriptor in the bridge: as `npm run bench:bridge` does
  const shell = `${raiseOpenFiles ? 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; ' : ''}exec ${command.join(' ')}`;
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-c', shell], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done(JSON.parse(readFileSync(out, 'utf8'))) : fail(new Error(`${script} exited ${code}`)),
    );
  });
}

const SECTION_RUNNERS = {
  provider: (profile) => runScript('bench/run.mjs', profile.provider, join(RESULTS_DIR, 'all-provider.json')),
  vehicle: (profile) =>
    runScript('bench/bridge/run.mjs', profile.vehicle, join(RESULTS_DIR, 'all-vehicle.json'), {
      raiseOpenFiles: true,
    }),
  ownerPath: (profile) => runOwnerPaths({ ...profile.ownerPath, log }),
  growth: (profile, options) =>
    runGrowth({
      ...profile.growth,
      ...(options.growthSizes ? { sizes: options.growthSizes } : {}),
      stores: options.growthStores,
      postgresUrl: options.postgresUrl,
      log,
    }),
};

function writePage(results, options) {
  const page = renderBenchmarks(results, readFileSync(TEMPLATE, 'utf8'));
  const target = options.out ?? (results.quick && !options.write ? join(RESULTS_DIR, 'benchmarks-quick.md') : DOC);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, page);
  if (results.quick && !options.write) process.stdout.write(page);
  log(`bench: wrote ${target}\n`);
}

async function main(options) {
  if (options.render) {
    const results = JSON.parse(readFileSync(options.render, 'utf8'));
    return writePage(results, { ...options, write: true });
  }
  if (options.build) buildIfStale();
  const profile = PROFILES[options.quick ? 'quick' : 'full'];
  const started = Date.now();
  const results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    generatedAt: new Date().toISOString(),
    quick: Boolean(options.quick),
    machine: machine(),
    errors: {},
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  for (const section of options.sections) {
    log(`bench: ${section}\n`);
    try {
      results[section] = await SECTION_RUNNERS[section](profile, options);
    } catch (err) {
      // one section failing does not lose the others: the page says what failed
      results.errors[section] = String(err?.message ?? err);
      log(`bench: ${section} failed: ${results.errors[section]}\n`);
    }
  }
  results.machine.loadAverageEnd = loadavg()[0];
  results.durationSeconds = (Date.now() - started) / 1000;
  writeFileSync(join(RESULTS_DIR, 'all-latest.json'), JSON.stringify(results, null, 2) + '\n');
  writePage(results, options);
  log(`bench: done in ${results.durationSeconds.toFixed(0)} s\n`);
  if (Object.keys(results.errors).length) process.exitCode = 1;
}

const list = (value) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const program = new Command('bench')
  .description('Run every benchmark once and write docs/benchmarks.md from that run')
  .option('--quick', 'small sizes, one repeat (under two minutes); the page goes to stdout and bench/results/')
  .option('--write', 'with --quick: write docs/benchmarks.md all the same')
  .option('--out <file>', 'write the page here instead')
  .addOption(
    new Option('--sections <list>', `sections to run (${SECTIONS.join(', ')})`).default(SECTIONS).argParser((value) => {
      const chosen = list(value);
      for (const s of chosen)
        if (!SECTIONS.includes(s)) throw new InvalidArgumentError(`unknown section '${s}' (${SECTIONS.join(', ')})`);
      return chosen;
    }),
  )
  .option(
    '--growth-sizes <list>',
    'stored owners per growth run (default 1000,100000,1000000; quick 1000,10000)',
    (v) => list(v).map(Number),
  )
  .option('--growth-stores <list>', 'sqlite, postgres', list, ['sqlite', 'postgres'])
  .option('--postgres-url <url>', 'a PostgreSQL the growth section may create a database on', DEFAULT_POSTGRES_URL)
  .option('--no-build', 'do not build the product first, even when dist/ is older than the sources')
  .option('--render <results.json>', 'only write the page again from an earlier run')
  .addHelpText(
    'after',
    `
Examples:
  npm run bench                        # the reference run: rewrites docs/benchmarks.md
  npm run bench -- --quick             # a sanity check in under two minutes
  npm run bench -- --sections growth --growth-sizes 1000,100000
  node bench/all.mjs --render bench/results/all-latest.json`,
  );

main(program.parse().opts()).catch((err) => {
  console.error(err);
  process.exit(1);
});
