#!/usr/bin/env node
// `npm run bench:provider`: complete CIBA flows in ping and poll mode against Onboard's
// provider and node-oidc-provider, each in a process of its own, driven by one load
// generator (this process). Prints a table, writes bench/results/latest.json and
// bench/results/latest.md.
//
// Scenarios (all at the same concurrency, each provider in a fresh process per run):
//   ping        ping mode, the owner approves at once: the providers run saturated
//               (throughput, CPU per flow, latencies under full load)
//   ping-think  ping mode, the owner approves after a think time: flows in flight wait
//               for their owners, as they do in real use (latencies below saturation)
//   poll        poll mode, the owner approves after a think time longer than the poll
//               interval, so a poll is already waiting when the owner approves
//
// Settings (flag or environment variable):
//   --scenarios LIST      BENCH_SCENARIOS        ping,ping-think,poll
//   --providers LIST      BENCH_PROVIDERS        onboard,oidc-provider
//   --concurrency N       BENCH_CONCURRENCY      flows in flight (50)
//   --flows N             BENCH_FLOWS            flows per `ping` run (2000)
//   --think-flows N       BENCH_THINK_FLOWS      flows per `ping-think` run (1000)
//   --poll-flows N        BENCH_POLL_FLOWS       flows per `poll` run (500; sleep-bound)
//   --repeats N           BENCH_REPEATS          runs of `ping` and `ping-think`; medians reported (5)
//   --poll-repeats N      BENCH_POLL_REPEATS     runs of `poll` (1)
//   --warmup N            BENCH_WARMUP           unmeasured saturated ping flows before every run (1000:
//                                                both providers' JIT-compiled code settles, as in a
//                                                long-running server); `ping-think` and `poll` then
//                                                warm up with `concurrency` flows of their own kind
//   --think-ms N          BENCH_THINK_MS         owner think time in `ping-think` (500)
//   --poll-think-ms N     BENCH_POLL_THINK_MS    owner think time in `poll` (3000)
//   --load-generator K    BENCH_LOAD_GENERATOR   auto (native where a C compiler builds
//                                                bench/native/loadgen.c, else node) | native | node
//   --pin MODE            BENCH_PIN              off | auto (Linux with 2+ CPUs and taskset: the
//                                                provider on CPU 0, the load generator on the
//                                                others) | on (as auto, but fails where it cannot)
//                                                Off by default: pinned, each provider's GC
//                                                helper threads share its one CPU, which costs
//                                                node-oidc-provider latency (docs/decisions/0008-benchmark-method.md)
//   --out FILE            BENCH_OUT              bench/results/latest.json
//   --render FILE         print and re-write the tables of an earlier results file
//
// Set BENCH_VERBOSE=1 to see the providers' output. Diagnosis only (they change what is
// measured): BENCH_LOOP_DELAY=1 samples the event-loop delay of both processes,
// BENCH_NODE_ARGS="--trace-gc …" passes Node.js flags to the providers, BENCH_CPU_PROF=<dir>
// writes their CPU profiles.
import { machineFacts } from './lib/machine.mjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describeSetup, openLoadGenerator } from './lib/load-generators.mjs';
import { measureFlows } from './lib/measure.mjs';
import { medianOfRuns, pairedRatios } from './stats.mjs';
import { startOidcProvider } from './targets/oidc-provider.mjs';
import { startOnboard } from './targets/onboard.mjs';
import { settingsReader } from './lib/settings.mjs';
import { renderMarkdown, renderTable } from './report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function settings(argv, env) {
  const { pick, int, list } = settingsReader(argv, env);
  const concurrency = int('concurrency', 'BENCH_CONCURRENCY', 50);
  const repeats = int('repeats', 'BENCH_REPEATS', 5);
  const warmup = int('warmup', 'BENCH_WARMUP', 1000);
  const all = {
    ping: {
      mode: 'ping',
      flows: int('flows', 'BENCH_FLOWS', 2000),
      repeats,
      thinkMs: 0,
      warmup,
    },
    'ping-think': {
      mode: 'ping',
      flows: int('think-flows', 'BENCH_THINK_FLOWS', 1000),
      repeats,
      thinkMs: int('think-ms', 'BENCH_THINK_MS', 500),
      warmup: concurrency,
      jitWarmup: warmup,
    },
    poll: {
      mode: 'poll',
      flows: int('poll-flows', 'BENCH_POLL_FLOWS', 500),
      repeats: int('poll-repeats', 'BENCH_POLL_REPEATS', 1),
      thinkMs: int('poll-think-ms', 'BENCH_POLL_THINK_MS', 3000),
      warmup: concurrency,
      jitWarmup: warmup,
    },
  };
  const chosen = list('scenarios', 'BENCH_SCENARIOS', 'ping,ping-think,poll');
  for (const key of chosen)
    if (!all[key]) throw new Error(`unknown scenario '${key}' (${Object.keys(all).join(', ')})`);
  return {
    concurrency,
    scenarios: Object.fromEntries(chosen.map((key) => [key, all[key]])),
    providers: list('providers', 'BENCH_PROVIDERS', 'onboard,oidc-provider'),
    loadGenerator: String(pick('load-generator', 'BENCH_LOAD_GENERATOR', 'auto')),
    pin: String(pick('pin', 'BENCH_PIN', 'off')),
    out: resolve(ROOT, String(pick('out', 'BENCH_OUT', 'bench/results/latest.json'))),
  };
}

const STARTERS = { onboard: startOnboard, 'oidc-provider': startOidcProvider };

async function measureOnce(providerKey, scenarioKey, scenario, repeat, config, generator) {
  const { target, process: child } = await STARTERS[providerKey]({
    owners: config.concurrency,
    pingPort: generator.pingPort,
    root: ROOT,
  });
  try {
    const run = await measureFlows({
      target,
      child,
      scenario,
      scenarioKey,
      repeat,
      concurrency: config.concurrency,
      generator,
    });
    return { provider: providerKey, ...run };
  } finally {
    await child.stop();
  }
}

/** "main 1.20 ms 3.1 wakeups, libuv-worker 0.02 ms 0.1 wakeups, …" per flow, busiest first. */
function describeThreads(threads) {
  if (!threads) return 'no per-thread figures';
  return Object.entries(threads)
    .filter(([, t]) => t.cpuMsPerFlow > 0 || t.wakeupsPerFlow > 0.05)
    .sort((a, b) => b[1].cpuMsPerFlow - a[1].cpuMsPerFlow)
    .map(
      ([name, t]) =>
        `${name} ${t.cpuMsPerFlow.toFixed(2)} ms ${t.wakeupsPerFlow.toFixed(1)} wakeups ${t.pageFaultsPerFlow.toFixed(1)} faults`,
    )
    .join(', ');
}

function machine() {
  return machineFacts();
}

/** `--render <results.json>`: print and re-write the tables of an earlier run. */
function render(file) {
  const results = JSON.parse(readFileSync(file, 'utf8'));
  writeFileSync(file.replace(/\.json$/, '') + '.md', renderMarkdown(results));
  process.stdout.write(renderTable(results));
}

async function main() {
  const renderAt = process.argv.indexOf('--render');
  if (renderAt >= 0) return render(resolve(process.argv[renderAt + 1]));
  const config = settings(process.argv.slice(2), process.env);
  const generator = await openLoadGenerator({ setting: config.loadGenerator, pin: config.pin });
  if (generator.note) process.stderr.write(`${generator.note}\n`);
  process.stderr.write(`${describeSetup(generator)}\n`);
  const started = Date.now();
  const runs = [];
  try {
    for (const [scenarioKey, scenario] of Object.entries(config.scenarios)) {
      for (let repeat = 0; repeat < scenario.repeats; repeat++) {
        // Alternate which provider goes first, so neither always runs on a cooler machine.
        const order = repeat % 2 === 0 ? config.providers : [...config.providers].reverse();
        for (const providerKey of order) {
          process.stderr.write(`${scenarioKey} #${repeat + 1}/${scenario.repeats} ${providerKey} ... `);
          const run = await measureOnce(providerKey, scenarioKey, scenario, repeat, config, generator);
          runs.push(run);
          process.stderr.write(
            `${run.completed} flows, ${run.flowsPerSecond.toFixed(1)}/s, ${run.cpuMsPerFlow?.toFixed(2)} CPU ms/flow` +
              ` (${describeThreads(run.threads)})` +
              (run.providerLoopDelayMs
                ? ` loop delay p99: provider ${run.providerLoopDelayMs.p99.toFixed(1)} ms, generator ${run.generatorLoopDelayMs.p99.toFixed(1)} ms`
                : '') +
              '\n',
          );
        }
      }
    }
  } finally {
    await generator.stop();
  }

  const summary = {};
  const paired = {};
  for (const scenarioKey of Object.keys(config.scenarios)) {
    summary[scenarioKey] = {};
    const of = (providerKey) => runs.filter((r) => r.scenario === scenarioKey && r.provider === providerKey);
    paired[scenarioKey] = {
      flowsPerCpuSecond: pairedRatios(of('onboard'), of('oidc-provider'), 'flowsPerCpuSecond'),
    };
    for (const providerKey of config.providers) {
      const mine = runs.filter((r) => r.scenario === scenarioKey && r.provider === providerKey);
      if (mine.length) {
        summary[scenarioKey][providerKey] = {
          ...medianOfRuns(mine),
          advertisedInterval: mine.find((r) => r.advertisedInterval !== undefined)?.advertisedInterval,
        };
      }
    }
  }
  const results = {
    generatedAt: new Date().toISOString(),
    durationSeconds: Math.round((Date.now() - started) / 1000),
    machine: machine(),
    config: {
      ...config,
      out: undefined,
      loadGenerator: generator.kind,
      pinning: generator.pinning,
    },
    summary,
    paired,
    runs,
  };
  mkdirSync(dirname(config.out), { recursive: true });
  writeFileSync(config.out, JSON.stringify(results, null, 2) + '\n');
  const markdown = renderMarkdown(results);
  writeFileSync(config.out.replace(/\.json$/, '') + '.md', markdown);
  process.stdout.write(renderTable(results));
  process.stdout.write(`\nwritten: ${config.out} (and .md)\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
