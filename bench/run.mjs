#!/usr/bin/env node
// `npm run bench:provider`: complete CIBA flows in ping and poll mode against Onboard's
// provider and node-oidc-provider, each in a process of its own, driven by one load
// generator (this process). Prints a table, writes bench/results/latest.json and
// bench/results/latest.md. Settings (flag or environment variable):
//
//   --flows N            BENCH_FLOWS             ping-mode flows per run (2000)
//   --poll-flows N       BENCH_POLL_FLOWS        poll-mode flows per run (500; sleep-bound, see docs/benchmarks.md)
//   --concurrency N      BENCH_CONCURRENCY       flows in flight (50)
//   --repeats N          BENCH_REPEATS           ping-mode runs per provider; medians reported (3)
//   --poll-repeats N     BENCH_POLL_REPEATS      poll-mode runs per provider (1)
//   --warmup N           BENCH_WARMUP            unmeasured ping flows before each run (200)
//   --modes LIST         BENCH_MODES             ping,poll
//   --providers LIST     BENCH_PROVIDERS         onboard,oidc-provider
//   --approve-delay-ms N BENCH_APPROVE_DELAY_MS  owner "think time" before approving (0)
//   --out FILE           BENCH_OUT               bench/results/latest.json
//
// Set BENCH_VERBOSE=1 to see the providers' stderr.
import { cpus, loadavg, totalmem, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { PingListener, runFlows } from './load.mjs';
import { medianOfRuns, summarizeRun } from './stats.mjs';
import { startOidcProvider } from './targets/oidc-provider.mjs';
import { startOnboard } from './targets/onboard.mjs';
import { renderMarkdown, renderTable } from './report.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function settings(argv, env) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [key, inline] = arg.slice(2).split('=', 2);
    flags[key] = inline ?? argv[++i];
  }
  const pick = (flag, variable, fallback) => flags[flag] ?? env[variable] ?? fallback;
  const int = (flag, variable, fallback) => {
    const value = Number(pick(flag, variable, fallback));
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} / ${variable}: expected an integer`);
    return value;
  };
  const list = (flag, variable, fallback) =>
    String(pick(flag, variable, fallback))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return {
    flows: int('flows', 'BENCH_FLOWS', 2000),
    pollFlows: int('poll-flows', 'BENCH_POLL_FLOWS', 500),
    concurrency: int('concurrency', 'BENCH_CONCURRENCY', 50),
    repeats: int('repeats', 'BENCH_REPEATS', 3),
    pollRepeats: int('poll-repeats', 'BENCH_POLL_REPEATS', 1),
    warmup: int('warmup', 'BENCH_WARMUP', 200),
    modes: list('modes', 'BENCH_MODES', 'ping,poll'),
    providers: list('providers', 'BENCH_PROVIDERS', 'onboard,oidc-provider'),
    approveDelayMs: int('approve-delay-ms', 'BENCH_APPROVE_DELAY_MS', 0),
    out: resolve(ROOT, String(pick('out', 'BENCH_OUT', 'bench/results/latest.json'))),
  };
}

const STARTERS = { onboard: startOnboard, 'oidc-provider': startOidcProvider };

async function measureOnce(providerKey, mode, repeat, config, ping) {
  const { target, process: child } = await STARTERS[providerKey]({
    owners: config.concurrency,
    pingPort: ping.port,
    root: ROOT,
  });
  try {
    // Warm-up: ping mode runs `warmup` flows; poll mode one round of `concurrency` flows
    // (its flows are sleep-bound, a longer warm-up would only add wall time).
    const warmupFlows = mode === 'ping' ? config.warmup : config.concurrency;
    if (warmupFlows > 0) {
      await runFlows(target, {
        mode,
        flows: warmupFlows,
        concurrency: config.concurrency,
        ping,
        tag: `w${repeat}`,
        approveDelayMs: config.approveDelayMs,
      });
    }
    const flows = mode === 'ping' ? config.flows : config.pollFlows;
    const loadAverage = loadavg()[0];
    const before = await child.stats();
    const ticksBefore = child.procCpuTicks();
    const generatorBefore = process.cpuUsage();
    const result = await runFlows(target, {
      mode,
      flows,
      concurrency: config.concurrency,
      ping,
      tag: `r${repeat}`,
      approveDelayMs: config.approveDelayMs,
    });
    const generator = process.cpuUsage(generatorBefore);
    const ticksAfter = child.procCpuTicks();
    const after = await child.stats();
    const summary = summarizeRun({ result, before, after, ticksBefore, ticksAfter });
    const interval = result.timelines.find((t) => t.interval !== undefined)?.interval;
    return {
      provider: providerKey,
      mode,
      repeat,
      flows,
      advertisedInterval: interval,
      // The load generator (this process) shares the machine: its CPU and the load
      // average before the run help to read the wall-clock figures.
      loadGeneratorCpuMsPerFlow: (generator.user + generator.system) / 1000 / Math.max(1, summary.completed),
      loadAverageBefore: loadAverage,
      ...summary,
    };
  } finally {
    await child.stop();
  }
}

function machine() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
  };
}

async function main() {
  const config = settings(process.argv.slice(2), process.env);
  const ping = new PingListener();
  ping.port = await ping.start();
  const started = Date.now();
  const runs = [];
  try {
    for (const mode of config.modes) {
      const repeats = mode === 'ping' ? config.repeats : config.pollRepeats;
      for (let repeat = 0; repeat < repeats; repeat++) {
        // Alternate which provider goes first, so neither always runs on a cooler machine.
        const order = repeat % 2 === 0 ? config.providers : [...config.providers].reverse();
        for (const providerKey of order) {
          process.stderr.write(`${mode} #${repeat + 1}/${repeats} ${providerKey} ... `);
          const run = await measureOnce(providerKey, mode, repeat, config, ping);
          runs.push(run);
          process.stderr.write(
            `${run.completed} flows, ${run.flowsPerSecond.toFixed(1)}/s, ${run.cpuMsPerFlow?.toFixed(2)} CPU ms/flow\n`,
          );
        }
      }
    }
  } finally {
    await ping.stop();
  }

  const summary = {};
  for (const mode of config.modes) {
    summary[mode] = {};
    for (const providerKey of config.providers) {
      const mine = runs.filter((r) => r.mode === mode && r.provider === providerKey);
      if (mine.length) {
        summary[mode][providerKey] = {
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
    config: { ...config, out: undefined },
    summary,
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
