// Resource accounting for a provider child process, answered over the IPC channel
// the benchmark parent opened with child_process.fork().
//
// process.cpuUsage() counts user + system time of every thread of the process
// (main thread, libuv pool, GC helpers), the same figure /proc/<pid>/stat utime+stime
// gives, at microsecond resolution. process.resourceUsage().maxRSS is the peak
// resident set size since the process started, in KiB.

import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';

// BENCH_LOOP_DELAY=1: sample the event loop's delay (a 10 ms timer, so only for diagnosis:
// it wakes an idle process 100 times a second). Reset by every stats request.
const loopDelay = process.env.BENCH_LOOP_DELAY ? monitorEventLoopDelay({ resolution: 10 }) : undefined;
loopDelay?.enable();

// BENCH_GC_EVENTS=1: record every garbage collection (wall-clock start and duration, ms,
// kind), so a slow flow can be matched with the pauses of either process. Taken (and
// cleared) by a `{ type: 'pauses' }` request.
let gcEvents;
export function recordGcEvents() {
  if (gcEvents) return;
  gcEvents = [];
  const origin = performance.timeOrigin;
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      gcEvents.push({ at: origin + entry.startTime, ms: entry.duration, kind: entry.detail?.kind });
  }).observe({ entryTypes: ['gc'] });
}
if (process.env.BENCH_GC_EVENTS) recordGcEvents();
export function takeGcEvents() {
  const events = gcEvents ?? [];
  if (gcEvents) gcEvents = [];
  return events;
}

// BENCH_STALLS=1: a 2 ms timer notes every gap over 10 ms (wall-clock start, length in ms):
// the event loop was busy or the process was not scheduled. Diagnosis only (it wakes the
// process 500 times a second). Taken with the garbage collections. On Linux each gap also
// says how much of it the main thread ran and how much it waited for a CPU
// (/proc/thread-self/schedstat: on-CPU and run-queue nanoseconds), which tells work on the
// event loop from a process the scheduler left waiting.
let stalls;
const readSchedstat = () => {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    return { run: Number(run) / 1e6, wait: Number(wait) / 1e6 };
  } catch {
    return undefined;
  }
};
export function recordStalls() {
  if (stalls) return;
  stalls = [];
  let last = performance.timeOrigin + performance.now();
  let lastSched = readSchedstat();
  // Where the file is missing (not Linux) it is not looked for again 500 times a second.
  const sample = lastSched ? readSchedstat : () => undefined;
  setInterval(() => {
    const at = performance.timeOrigin + performance.now();
    const sched = sample();
    if (at - last > 10) {
      const stall = { at: last, ms: at - last };
      if (sched && lastSched) {
        stall.runMs = sched.run - lastSched.run;
        stall.waitMs = sched.wait - lastSched.wait;
      }
      stalls.push(stall);
    }
    last = at;
    lastSched = sched;
  }, 2).unref();
}
if (process.env.BENCH_STALLS) recordStalls();
export function takeStalls() {
  const events = stalls ?? [];
  if (stalls) stalls = [];
  return events;
}

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
    } else if (message?.type === 'pauses') {
      process.send({ type: 'pauses', gc: takeGcEvents(), stalls: takeStalls() });
    } else if (message?.type === 'stop') {
      await onStop();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
