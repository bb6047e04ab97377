// Parent side of a provider child process: fork, wait for a message, ask for stats, stop.
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

import { pinProcess } from './cpu-pinning.mjs';

/** A forked provider process and its IPC channel. */
export class ProviderProcess {
  #seq = 0;

  /** CPUs (a taskset list) every provider process is pinned to, or undefined (see lib/cpu-pinning.mjs). */
  static cpus;

  /** @param {string} modulePath @param {{ env?: NodeJS.ProcessEnv, cwd?: string, label: string, execArgv?: string[] }} options */
  constructor(modulePath, { env, cwd, label, execArgv = [] }) {
    this.label = label;
    this.child = fork(modulePath, [], {
      env: { ...process.env, ...env },
      cwd,
      // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each provider process there.
      execArgv: [
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
        // BENCH_NODE_ARGS="--trace-gc …": extra Node.js flags for every provider process.
        ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(/\s+/).filter(Boolean) : []),
        ...execArgv,
      ],
      stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'pipe', 'ipc'],
    });
    const cpus = ProviderProcess.cpus;
    if (cpus !== undefined) {
      pinProcess(this.child.pid, cpus);
      // Once more when the provider first reports (ready or failed): threads it started while
      // booting, before the first pinning reached them, are pinned too.
      this.child.once('message', () => {
        try {
          pinProcess(this.child.pid, cpus);
        } catch {
          /* it has exited meanwhile: nothing left to pin */
        }
      });
    }
    this.stderr = '';
    this.child.stderr.on('data', (chunk) => {
      const text = chunk.toString('utf8');
      this.stderr = (this.stderr + text).slice(-20_000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${text}`);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid() {
    return this.child.pid;
  }

  /** Resolves with the first message of one of `types`; rejects if the child exits or on timeout. */
  waitFor(types, timeoutMs = 60_000, predicate = () => true) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`${this.label}: no ${types} within ${timeoutMs} ms\n${this.stderr}`)),
        timeoutMs,
      );
      const onMessage = (message) => {
        if (types.includes(message?.type) && predicate(message)) done(undefined, message);
      };
      const onExit = (code) => done(new Error(`${this.label} exited (${code}) before ${types}\n${this.stderr}`));
      const done = (err, value) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(value);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
    });
  }

  send(message) {
    this.child.send(message);
  }

  /** CPU (µs) and peak RSS (KiB) of the child, as it reports them itself. */
  async stats() {
    const seq = ++this.#seq;
    const reply = this.waitFor(['stats'], 10_000, (m) => m.seq === seq);
    this.child.send({ type: 'stats', seq });
    return (await reply).stats;
  }

  /** CPU ticks from /proc/<pid>/stat (utime + stime), a cross-check of stats(). */
  procCpuTicks() {
    return procCpuTicks(this.pid);
  }

  /** CPU ticks and context switches per thread name, from /proc/<pid>/task (Linux only). */
  threadTicks() {
    return procThreadTicks(this.pid);
  }

  /**
   * The child's garbage collections and event-loop stalls since the last call
   * (BENCH_GC_EVENTS=1, BENCH_STALLS=1; lib/child-stats.mjs).
   */
  async pauses() {
    const reply = this.waitFor(['pauses'], 10_000);
    this.child.send({ type: 'pauses' });
    const { gc, stalls } = await reply;
    return { gc, stalls };
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      this.child.send({ type: 'stop' });
    } catch {
      /* channel already closed */
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux). */
export function procCpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * Per thread name (main thread, libuv pool, V8 workers, worker threads): utime + stime in
 * clock ticks and voluntary context switches (each one a sleep and a wake-up), summed over
 * the threads of that name. Undefined where /proc is not readable.
 */
export function procThreadTicks(pid) {
  try {
    const byName = {};
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      let stat;
      let status;
      try {
        stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      } catch {
        continue; // the thread ended between readdir and read
      }
      const name = tid === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).trim();
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const entry = (byName[name] ??= { ticks: 0, wakeups: 0, faults: 0, threads: 0 });
      entry.ticks += Number(fields[11]) + Number(fields[12]);
      entry.faults += Number(fields[7]); // minflt: page faults served without I/O
      entry.wakeups += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)?.[1] ?? 0);
      entry.threads += 1;
    }
    return byName;
  } catch {
    return undefined;
  }
}

/** The difference of two procThreadTicks() readings, in CPU ms and wake-ups per flow. */
export function threadCpuPerFlow(before, after, flows, clockTicksPerSecond = 100) {
  if (!before || !after || !flows) return undefined;
  const out = {};
  for (const [name, end] of Object.entries(after)) {
    const start = before[name] ?? { ticks: 0, wakeups: 0, faults: 0 };
    out[name] = {
      threads: end.threads,
      cpuMsPerFlow: ((end.ticks - start.ticks) * 1000) / clockTicksPerSecond / flows,
      wakeupsPerFlow: (end.wakeups - start.wakeups) / flows,
      pageFaultsPerFlow: (end.faults - start.faults) / flows,
    };
  }
  return out;
}
