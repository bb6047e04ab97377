// One measurement window of CIBA flows against a provider that is already running: the JIT
// warm-up, the warm-up flows, the measured flows and the cool-down in one closed loop, with the
// provider's CPU and the load generator's read at both ends of the window. Used by run.mjs (a
// fresh provider per run) and growth/run.mjs (a provider on a seeded database).
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { threadCpuPerFlow } from './child.mjs';
import { takeLoopDelay } from './child-stats.mjs';
import { summarizeRun } from '../stats.mjs';

const generatorLoopDelay = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
generatorLoopDelay?.enable();

/**
 * Runs `scenario` ({mode, flows, thinkMs, warmup, jitWarmup}) against `target` (started in
 * `child`) and summarises the measurement window (stats.mjs `summarizeRun`).
 */
export async function measureFlows({ target, child, scenario, scenarioKey, repeat, concurrency, generator }) {
  const flowOptions = (flows, tag) => ({
    mode: scenario.mode,
    flows,
    concurrency,
    tag,
    approveDelayMs: scenario.thinkMs,
  });
  // A long-running provider has compiled its hot paths long before: the JIT warm-up runs
  // saturated ping flows (same endpoints, no think time, a few seconds). In `ping` they are
  // the first flows of the measured loop itself; the other scenarios run them first, then
  // the scenario's own warm-up flows lead into the measured ones in one loop.
  const separateJitWarmup = scenario.jitWarmup > 0 && (scenario.mode !== 'ping' || scenario.thinkMs > 0);
  if (separateJitWarmup)
    await generator.run(target, {
      ...flowOptions(scenario.jitWarmup, `${scenarioKey}-j${repeat}`),
      mode: 'ping',
      approveDelayMs: 0,
    });
  const loadAverage = loadavg()[0];
  // Readings at both ends of the measurement window (see runFlows): the synchronous ones
  // at once, the provider's own report over IPC as soon as it answers.
  const reading = () => {
    const taken = {
      ticks: child.procCpuTicks(),
      threads: child.threadTicks(),
      generator: generator.cpuUsage(),
      generatorLoopDelay: takeLoopDelay(generatorLoopDelay),
    };
    return child.stats().then((stats) => ({ ...taken, stats }));
  };
  const result = await generator.run(target, {
    ...flowOptions(scenario.flows, `${scenarioKey}-r${repeat}`),
    warmupFlows: scenario.warmup + (scenario.jitWarmup > 0 && !separateJitWarmup ? scenario.jitWarmup : 0),
    coolDownFlows: concurrency,
    onWindowStart: reading,
    onWindowEnd: reading,
  });
  // The two readings that bound the measurement window.
  const [start, end] = [result.windowStart, result.windowEnd];
  // The load generator's CPU: the native one reports its own at the window's edges.
  const [cpuStart, cpuEnd] = result.generatorCpu
    ? [result.generatorCpu.start, result.generatorCpu.end]
    : [start.generator, end.generator];
  const generatorCpu = { user: cpuEnd.user - cpuStart.user, system: cpuEnd.system - cpuStart.system };
  const threads = threadCpuPerFlow(start.threads, end.threads, result.completed);
  const summary = summarizeRun({
    result,
    before: start.stats,
    after: end.stats,
    ticksBefore: start.ticks,
    ticksAfter: end.ticks,
    threads,
  });
  const interval = result.timelines.find((t) => t.interval !== undefined)?.interval;
  return {
    scenario: scenarioKey,
    mode: scenario.mode,
    thinkMs: scenario.thinkMs,
    repeat,
    flows: scenario.flows,
    advertisedInterval: interval,
    setupVia: target.setupVia,
    // The load generator (this process) shares the machine: its CPU and the load
    // average before the run help to read the wall-clock figures.
    loadGeneratorCpuMsPerFlow: (generatorCpu.user + generatorCpu.system) / 1000 / Math.max(1, summary.completed),
    loadAverageBefore: loadAverage,
    ...summary,
    // BENCH_LOOP_DELAY=1: event-loop delay of the provider and of the load generator.
    providerLoopDelayMs: end.stats.loopDelayMs,
    generatorLoopDelayMs: end.generatorLoopDelay,
  };
}
