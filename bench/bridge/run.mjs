#!/usr/bin/env node
// `npm run bench:bridge`: the vehicle path (issue 3 §8). Onboard's provider and the MQTT
// bridge run from dist/ in a process each, on their SQLite defaults in a fresh temporary
// directory; this process is the load generator (head-units on the device client library,
// the owners' phones on the owner-device API). Prints a table, writes
// bench/results/bridge-latest.json and bench/results/bridge-latest.md.
//
// Scenarios:
//   latency     200 pairings in flight, the owners approve after a think time: approval ->
//               verified tokens at the head-unit, and each step (target: p99 < 25 ms)
//   throughput  200 pairings in flight, the owners approve at once: pairings per second
//               end to end (device request -> owner approval by API -> tokens at the device)
//   idle        20,000 head-units connect to one bridge process and stay idle: bridge RSS
//               before/after, bytes per connection (target: < 1 GiB), connections per second
//
// Settings (flag or environment variable):
//   --scenarios LIST        BENCH_BRIDGE_SCENARIOS     latency,throughput,idle
//   --concurrency N         BENCH_BRIDGE_CONCURRENCY   pairings in flight = head-units (200)
//   --latency-flows N       BENCH_BRIDGE_LATENCY_FLOWS pairings per `latency` run (1000)
//   --think-ms N            BENCH_BRIDGE_THINK_MS      mean owner think time in `latency` (6000)
//   --flows N               BENCH_BRIDGE_FLOWS         pairings per `throughput` run (2000)
//   --repeats N             BENCH_BRIDGE_REPEATS       runs of `latency` and `throughput`; medians (3)
//   --warmup N              BENCH_BRIDGE_WARMUP        unmeasured pairings before each run (200)
//   --idle-devices N        BENCH_BRIDGE_IDLE_DEVICES  head-units in `idle` (20000)
//   --idle-in-flight N      BENCH_BRIDGE_IDLE_IN_FLIGHT connection attempts at once per load generator (100)
//   --keepalive N           BENCH_BRIDGE_KEEPALIVE     keep-alive of the idle head-units, s (60, the library's default)
//   --out FILE              BENCH_BRIDGE_OUT           bench/results/bridge-latest.json
//   --render FILE           print and re-write the tables of an earlier results file
//
// BENCH_BRIDGE_CPU_PROF=<dir> writes a V8 CPU profile of every bridge process there
// (summarise with `node bench/profile-summary.mjs <file>`); BENCH_VERBOSE=1 shows the
// provider's and the bridge's output.
import { loadavg } from 'node:os';
import { machineFacts } from '../lib/machine.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { median } from '../stats.mjs';
import { runIdle, openFilesLimit } from './idle.mjs';
import { createHeadUnits, pairingSteps, runPairings } from './pairing.mjs';
import { renderMarkdown, renderTable } from './report.mjs';
import { settingsReader } from '../lib/settings.mjs';
import { startVehiclePath } from './targets.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const log = (text) => process.stderr.write(text);

function settings(argv, env) {
  const { pick, int } = settingsReader(argv, env);
  const scenarios = String(pick('scenarios', 'BENCH_BRIDGE_SCENARIOS', 'latency,throughput,idle'))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of scenarios)
    if (!['latency', 'throughput', 'idle'].includes(s)) throw new Error(`unknown scenario '${s}'`);
  return {
    scenarios,
    concurrency: int('concurrency', 'BENCH_BRIDGE_CONCURRENCY', 200),
    latencyFlows: int('latency-flows', 'BENCH_BRIDGE_LATENCY_FLOWS', 1000),
    thinkMs: int('think-ms', 'BENCH_BRIDGE_THINK_MS', 6000),
    flows: int('flows', 'BENCH_BRIDGE_FLOWS', 2000),
    repeats: int('repeats', 'BENCH_BRIDGE_REPEATS', 3),
    warmup: int('warmup', 'BENCH_BRIDGE_WARMUP', 200),
    idleDevices: int('idle-devices', 'BENCH_BRIDGE_IDLE_DEVICES', 20000),
    idleInFlight: int('idle-in-flight', 'BENCH_BRIDGE_IDLE_IN_FLIGHT', 100),
    keepaliveSeconds: int('keepalive', 'BENCH_BRIDGE_KEEPALIVE', 60),
    out: resolve(ROOT, String(pick('out', 'BENCH_BRIDGE_OUT', 'bench/results/bridge-latest.json'))),
  };
}

const cpuMs = (before, after) => (after.cpuUserUs + after.cpuSystemUs - (before.cpuUserUs + before.cpuSystemUs)) / 1000;

/** One pairing run on a fresh provider + bridge. */
async function pairingRun(scenario, repeat, config) {
  const thinkMs = scenario === 'latency' ? config.thinkMs : 0;
  const flows = scenario === 'latency' ? config.latencyFlows : config.flows;
  const path = await startVehiclePath({
    root: ROOT,
    bridgeProfileDir: process.env.BENCH_BRIDGE_CPU_PROF,
    label: `${scenario}-${repeat}`,
  });
  try {
    const tag = `${scenario}${repeat}`;
    const units = await createHeadUnits(path, { root: ROOT, count: config.concurrency, tag });
    try {
      if (config.warmup > 0)
        await runPairings(units, path, {
          flows: config.warmup,
          concurrency: config.concurrency,
          thinkMs: Math.min(thinkMs, 500),
          tag: `${tag}w`,
        });
      const loadAverageBefore = loadavg()[0];
      const [pBefore, bBefore] = [await path.provider.process.stats(), await path.bridge.process.stats()];
      const genBefore = process.cpuUsage();
      const result = await runPairings(units, path, { flows, concurrency: config.concurrency, thinkMs, tag });
      const gen = process.cpuUsage(genBefore);
      const [pAfter, bAfter] = [await path.provider.process.stats(), await path.bridge.process.stats()];
      const per = (ms) => (result.completed ? ms / result.completed : undefined);
      return {
        scenario,
        repeat,
        flows,
        thinkMs,
        concurrency: config.concurrency,
        completed: result.completed,
        failed: result.failed,
        ownerPhoneErrors: result.ownerPhoneErrors,
        wallMs: result.wallMs,
        pairingsPerSecond: result.completed / (result.wallMs / 1000),
        providerCpuMsPerPairing: per(cpuMs(pBefore, pAfter)),
        bridgeCpuMsPerPairing: per(cpuMs(bBefore, bAfter)),
        loadGeneratorCpuMsPerPairing: per((gen.user + gen.system) / 1000),
        providerPeakRssMiB: pAfter.maxRssKb / 1024,
        bridgePeakRssMiB: bAfter.maxRssKb / 1024,
        loadAverageBefore,
        steps: pairingSteps(result.timelines),
      };
    } finally {
      await Promise.allSettled(units.clients.map((c) => c.close()));
    }
  } finally {
    await path.close();
  }
}

function medianOfPairingRuns(runs) {
  const scalar = (key) => median(runs.map((r) => r[key]));
  const steps = {};
  for (const step of Object.keys(runs[0].steps))
    steps[step] = {
      p50: median(runs.map((r) => r.steps[step].p50)),
      p99: median(runs.map((r) => r.steps[step].p99)),
    };
  return {
    repeats: runs.length,
    flows: runs[0].flows,
    thinkMs: runs[0].thinkMs,
    concurrency: runs[0].concurrency,
    completed: scalar('completed'),
    failedTotal: runs.reduce((sum, r) => sum + Object.values(r.failed).reduce((a, b) => a + b, 0), 0),
    pairingsPerSecond: scalar('pairingsPerSecond'),
    providerCpuMsPerPairing: scalar('providerCpuMsPerPairing'),
    bridgeCpuMsPerPairing: scalar('bridgeCpuMsPerPairing'),
    loadGeneratorCpuMsPerPairing: scalar('loadGeneratorCpuMsPerPairing'),
    providerPeakRssMiB: scalar('providerPeakRssMiB'),
    bridgePeakRssMiB: scalar('bridgePeakRssMiB'),
    steps,
  };
}

async function idleRun(config) {
  const path = await startVehiclePath({
    root: ROOT,
    bridgeProfileDir: process.env.BENCH_BRIDGE_CPU_PROF,
    label: 'idle',
  });
  try {
    return await runIdle(path, {
      root: ROOT,
      count: config.idleDevices,
      inFlight: config.idleInFlight,
      keepaliveSeconds: config.keepaliveSeconds,
      log,
    });
  } finally {
    await path.close();
  }
}

function machine() {
  return { ...machineFacts(), openFilesLimit: openFilesLimit() };
}

function render(file) {
  const results = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file.replace(/\.json$/, '') + '.md', renderMarkdown(results));
  process.stdout.write(renderTable(results));
}

/** Writes the results so far (after every scenario, so a later failure loses nothing). */
function save(config, started, runs, idle) {
  const summary = {};
  for (const scenario of ['latency', 'throughput']) {
    const mine = runs.filter((r) => r.scenario === scenario);
    if (mine.length) summary[scenario] = medianOfPairingRuns(mine);
  }
  const results = {
    generatedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    config,
    summary,
    idle,
    runs,
  };
  mkdirSync(dirname(config.out), { recursive: true });
  writeFileSync(config.out, JSON.stringify(results, null, 2));
  writeFileSync(config.out.replace(/\.json$/, '') + '.md', renderMarkdown(results));
  return results;
}

async function main() {
  const renderAt = process.argv.indexOf('--render');
  if (renderAt >= 0) return render(resolve(process.argv[renderAt + 1]));
  const config = settings(process.argv.slice(2), process.env);
  const started = Date.now();
  const runs = [];
  let idle;
  for (const scenario of config.scenarios) {
    if (scenario === 'idle') {
      idle = await idleRun(config);
      save(config, started, runs, idle);
      continue;
    }
    for (let repeat = 0; repeat < config.repeats; repeat++) {
      log(`${scenario} #${repeat + 1}/${config.repeats} ... `);
      const run = await pairingRun(scenario, repeat, config);
      runs.push(run);
      log(
        `${run.completed} pairings, ${run.pairingsPerSecond.toFixed(1)}/s, approval → tokens p99 ${run.steps.approvalToTokens.p99?.toFixed(1)} ms\n`,
      );
    }
    save(config, started, runs, idle);
  }
  const results = save(config, started, runs, idle);
  process.stdout.write(renderTable(results));
  process.stdout.write(`\nwritten ${config.out}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
