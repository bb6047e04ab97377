// Parent side of a provider child process: fork, wait for a message, ask for stats, stop.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A forked provider process and its IPC channel. */
export class ProviderProcess {
  #seq = 0;

  /** @param {string} modulePath @param {{ env?: NodeJS.ProcessEnv, cwd?: string, label: string, execArgv?: string[] }} options */
  constructor(modulePath, { env, cwd, label, execArgv = [] }) {
    this.label = label;
    this.child = fork(modulePath, [], {
      env: { ...process.env, ...env },
      cwd,
      // BENCH_CPU_PROF=<dir>: write a V8 CPU profile of each provider process there.
      execArgv: [
        ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : []),
        ...execArgv,
      ],
      stdio: ['ignore', process.env.BENCH_VERBOSE ? 'inherit' : 'ignore', 'pipe', 'ipc'],
    });
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
