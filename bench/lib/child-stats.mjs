// Resource accounting for a provider child process, answered over the IPC channel
// the benchmark parent opened with child_process.fork().
//
// process.cpuUsage() counts user + system time of every thread of the process
// (main thread, libuv pool, GC helpers), the same figure /proc/<pid>/stat utime+stime
// gives, at microsecond resolution. process.resourceUsage().maxRSS is the peak
// resident set size since the process started, in KiB.

/** Current CPU and memory figures of this process. */
export function snapshot() {
  const cpu = process.cpuUsage();
  const usage = process.resourceUsage();
  return {
    cpuUserUs: cpu.user,
    cpuSystemUs: cpu.system,
    maxRssKb: usage.maxRSS,
    rssBytes: process.memoryUsage.rss(),
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
