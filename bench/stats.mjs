// Turning flow timelines and process readings into the numbers the benchmark reports.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return undefined;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function distribution(values) {
  const sorted = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}

/**
 * The step latencies of a run, in milliseconds, all read on the load generator's clock:
 * - backchannel: the backchannel authentication request, sent -> acknowledgement received
 * - requestToApproval: backchannel request sent -> the owner device sends its approval
 * - approveCall: the owner device's approve call, sent -> response
 * - approvalToToken: approval sent -> tokens received by the client
 * - approvalToPing: approval sent -> ping received by the client (ping mode)
 * - pingToToken: ping received -> tokens received (ping mode: the client's token request)
 * - flow: backchannel request sent -> tokens received
 */
export function stepLatencies(timelines) {
  const pick = (fn) => timelines.map(fn);
  return {
    backchannel: distribution(pick((t) => t.tAck - t.t0)),
    requestToApproval: distribution(pick((t) => t.tApproveSent - t.t0)),
    approveCall: distribution(pick((t) => t.tApproveDone - t.tApproveSent)),
    approvalToToken: distribution(pick((t) => t.tToken - t.tApproveSent)),
    approvalToPing: distribution(pick((t) => (t.tPing === undefined ? undefined : t.tPing - t.tApproveSent))),
    pingToToken: distribution(pick((t) => (t.tPing === undefined ? undefined : t.tToken - t.tPing))),
    flow: distribution(pick((t) => t.tToken - t.t0)),
  };
}

/** Scalar figures of one measured run. */
export function summarizeRun({ result, before, after, ticksBefore, ticksAfter, threads, clockTicksPerSecond = 100 }) {
  const cpuUs = after.cpuUserUs + after.cpuSystemUs - (before.cpuUserUs + before.cpuSystemUs);
  const cpuMs = cpuUs / 1000;
  const { completed } = result;
  const polls = result.timelines.map((t) => t.polls);
  return {
    completed,
    failed: result.failed,
    ownerDeviceErrors: result.ownerDeviceErrors,
    deviceListsPerFlow: result.deviceListsPerFlow,
    emptyDeviceListsPerFlow: result.emptyDeviceListsPerFlow,
    wallMs: result.wallMs,
    flowsPerSecond: completed / (result.wallMs / 1000),
    cpuMs,
    cpuMsProcStat:
      ticksBefore !== undefined && ticksAfter !== undefined
        ? ((ticksAfter - ticksBefore) * 1000) / clockTicksPerSecond
        : undefined,
    cpuMsPerFlow: completed ? cpuMs / completed : undefined,
    // The kernel's share (system time: sockets, file writes, page faults, futexes).
    systemCpuMsPerFlow: completed ? (after.cpuSystemUs - before.cpuSystemUs) / 1000 / completed : undefined,
    flowsPerCpuSecond: cpuMs ? completed / (cpuMs / 1000) : undefined,
    peakRssMiB: after.maxRssKb / 1024,
    tokenRequestsPerFlow: polls.length ? polls.reduce((a, b) => a + b, 0) / polls.length : undefined,
    // Where the CPU went (/proc/<pid>/task, in clock ticks): the main thread (JavaScript, the
    // SQLite calls, the sockets) and all other threads (V8's GC and compiler helpers, worker threads).
    mainThreadCpuMsPerFlow: threads?.main?.cpuMsPerFlow,
    otherThreadsCpuMsPerFlow: threads
      ? Object.entries(threads)
          .filter(([name]) => name !== 'main')
          .reduce((sum, [, t]) => sum + t.cpuMsPerFlow, 0)
      : undefined,
    threads,
    steps: stepLatencies(result.timelines),
  };
}

/**
 * Ours-over-theirs ratios of one figure, run by run: repeat i of one provider against repeat
 * i of the other, which ran right before or after it. The machine's load drifts between runs,
 * and a pair shares most of it, so the median of the pairs' ratios is steadier than the
 * ratio of the two medians. Returns { median, min, max, ratios } or undefined.
 */
export function pairedRatios(oursRuns, theirsRuns, key) {
  const byRepeat = new Map(theirsRuns.map((r) => [r.repeat, r[key]]));
  const ratios = oursRuns
    .map((r) => (typeof r[key] === 'number' && byRepeat.get(r.repeat) ? r[key] / byRepeat.get(r.repeat) : undefined))
    .filter((v) => v !== undefined && Number.isFinite(v));
  if (ratios.length === 0) return undefined;
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios), ratios };
}

/** Median over repeats of every scalar (and every step p50/p99) of a list of run summaries. */
export function medianOfRuns(runs) {
  const scalar = (key) => median(runs.map((r) => r[key]));
  const steps = {};
  for (const step of Object.keys(runs[0].steps)) {
    steps[step] = {
      p50: median(runs.map((r) => r.steps[step].p50)),
      p99: median(runs.map((r) => r.steps[step].p99)),
    };
  }
  return {
    repeats: runs.length,
    completed: scalar('completed'),
    failedTotal: runs.reduce((sum, r) => sum + Object.values(r.failed).reduce((a, b) => a + b, 0), 0),
    flowsPerSecond: scalar('flowsPerSecond'),
    cpuMsPerFlow: scalar('cpuMsPerFlow'),
    mainThreadCpuMsPerFlow: scalar('mainThreadCpuMsPerFlow'),
    otherThreadsCpuMsPerFlow: scalar('otherThreadsCpuMsPerFlow'),
    flowsPerCpuSecond: scalar('flowsPerCpuSecond'),
    peakRssMiB: scalar('peakRssMiB'),
    tokenRequestsPerFlow: scalar('tokenRequestsPerFlow'),
    steps,
  };
}
