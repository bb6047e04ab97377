// Resource accounting for a provider child process, answered over the IPC channel
// the benchmark parent opened with child_process.fork().
//
// process.cpuUsage() counts user + system time of every thread of the process
// (main thread, libuv pool, GC helpers), the same figure /proc/<pid>/stat utime+stime
// gives, at microsecond resolution. process.resourceUsage().maxRSS is the peak
// resident set size since the process started, in KiB.

import { monitorEventLoopDelay } from 'node:perf_hooks';

// BENCH_LOOP_DELAY=1: sample the event loop's delay (a 10 ms timer, so only for diagnosis:
// it wakes an idle process 100 times a second). Reset by every stats request.
const loopDelay = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
loopDelay?.enable();

/**
 * p50 / p99 / max of the event loop's delay since the last call, in ms (undefined unless
 * enabled). The histogram holds the intervals between the 10 ms timer's runs; the delay is
 * what exceeds the 10 ms.
 */
export function takeLoopDelay(histogram = loopDelay) {
  if (!histogram) return undefined;
  const late = (ns) => Math.max(0, ns / 1e6 - 10);
  const figures = {
    p50: late(histogram.percentile(50)),
    p99: late(histogram.percentile(99)),
    max: late(histogram.max),
  };
  histogram.reset();
  return figures;
}

/** Current CPU and memory figures of this process. */
export function snapshot() {
  const cpu = process.cpuUsage();
  const usage = process.resourceUsage();
  return {
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    maxRssKb: usage.maxRSS,
    rssBytes: process.memoryUsage.rss(),
    loopDelayMs: takeLoopDelay(),
  };
}

/**
 * Answers `{ type: 'stats', seq }` messages from the parent with a snapshot, and
 * exits when the parent says `{ type: 'stop' }` or goes away.
 */
export function serveStats(onStop = async () => {}) {
  process.on('message', async (message) => {
    if (message?.type === 'stats') {
      process.send({ type: 'stats', seq: message.seq, stats: snapshot() });
    } else if (message?.type === 'stop') {
      await onStop();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
