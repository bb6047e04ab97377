// The native load generator (bench/native/loadgen.c) behind runFlows' interface: the same
// options, the same result, flow for flow (see runFlows in bench/load.mjs), plus the C
// process's own CPU time at the window's two edges. It exists because the JavaScript load
// generator shares the two cores with the provider it measures, and its CPU use and
// garbage-collection pauses showed up in the latencies it reported.
//
//   const generator = new NativeLoadGenerator();
//   const pingPort = await generator.start(); // register the ping client with this port
//   const result = await generator.run(target, { mode: 'ping', flows: 2000, concurrency: 50, tag: 'r0' });
//   await generator.stop();
//
// The binary is built on first use with $CC (or cc) into bench/.build/, named by the
// source's hash, and reused while the source is unchanged.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { basicAuth } from '../load.mjs';

const SOURCE = fileURLToPath(new URL('../native/loadgen.c', import.meta.url));
const BUILD_DIR = fileURLToPath(new URL('../.build/', import.meta.url));
const CFLAGS = ['-std=c11', '-O2', '-Wall', '-Wextra'];
const STOP_GRACE_MS = 2000;
const BUILD_TIMEOUT_MS = 120_000;

let availability;

/** The compiler's first error lines, for a reason that can be acted on. */
function firstErrors(output) {
  const lines = output.split('\n').filter((line) => line.trim());
  const errors = lines.filter((line) => /error/i.test(line));
  return (errors.length ? errors : lines).slice(0, 5).join('\n');
}

/**
 * Builds the binary if this source has not been built yet. `missingCompiler` tells a machine
 * without a compiler (where the tests skip) from a build that failed (where they fail).
 * @returns {{ ok: true, binary: string } | { ok: false, reason: string, missingCompiler?: true }}
 */
export function nativeLoadGeneratorAvailable() {
  if (availability) return availability;
  const hash = createHash('sha256').update(readFileSync(SOURCE)).digest('hex').slice(0, 12);
  const binary = `${BUILD_DIR}loadgen-${hash}`;
  if (existsSync(binary)) return (availability = { ok: true, binary });
  const [compiler, ...compilerArgs] = (process.env.CC || 'cc').trim().split(/\s+/);
  try {
    mkdirSync(BUILD_DIR, { recursive: true });
  } catch (err) {
    return (availability = { ok: false, reason: `cannot create ${BUILD_DIR}: ${err.message}` });
  }
  // Built under a name of its own, then renamed: concurrent builds (test files run in
  // parallel) never see a half-written binary.
  const partial = `${binary}.${process.pid}.partial`;
  const built = spawnSync(compiler, [...compilerArgs, ...CFLAGS, '-o', partial, SOURCE], {
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
  });
  if (built.error) {
    rmSync(partial, { force: true });
    if (built.error.code === 'ENOENT')
      return (availability = {
        ok: false,
        missingCompiler: true,
        reason: `no C compiler: '${compiler}' not found (set CC to use another)`,
      });
    return (availability = { ok: false, reason: `cannot run the C compiler '${compiler}': ${built.error.message}` });
  }
  if (built.status !== 0) {
    rmSync(partial, { force: true });
    const output = `${built.stderr ?? ''}${built.stdout ?? ''}`;
    return (availability = {
      ok: false,
      reason: `building ${SOURCE} with '${compiler}' failed (exit ${built.status ?? built.signal}):\n${firstErrors(output)}`,
    });
  }
  renameSync(partial, binary);
  return (availability = { ok: true, binary });
}

/** Configuration values travel as whitespace-separated words. */
function word(name, value) {
  const text = String(value);
  if (!text || /\s/.test(text)) throw new Error(`native load generator: ${name} must be non-empty without whitespace`);
  return text;
}

/** A promise whose rejection is reported where it is awaited, not as an unhandled one. */
function settled(value) {
  const promise = Promise.resolve(value);
  promise.catch(() => {});
  return promise;
}

export class NativeLoadGenerator {
  #child;
  #exited;
  #onLine;
  #onErrorsDone;
  #prefix = '[native load generator] ';
  #busy = false;
  #log;
  port;

  /** @param {{ log?: (line: string) => void }} [options]  where the process's error lines go (stderr) */
  constructor({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
    this.#log = log;
  }

  /** The native process's id (for CPU pinning), once started. */
  get pid() {
    return this.#child?.pid;
  }

  /** Starts the process; resolves with its ping listener's port (127.0.0.1, for the process's life). */
  async start() {
    if (this.#child) return this.port;
    const available = nativeLoadGeneratorAvailable();
    if (!available.ok) throw new Error(`native load generator unavailable: ${available.reason}`);
    const child = spawn(available.binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    child.on('error', () => {}); // spawn failures surface as the exit below
    child.stdin.on('error', () => {}); // a write after the process died: reported by the run
    createInterface({ input: child.stdout }).on('line', (line) => this.#onLine?.(line));
    createInterface({ input: child.stderr }).on('line', (line) => {
      if (line === 'DONE') this.#onErrorsDone?.();
      else this.#log(this.#prefix + line);
    });
    const ready = new Promise((resolve, reject) => {
      this.#onLine = (line) => {
        const [word0, port] = line.split(' ');
        if (word0 === 'READY') resolve(Number(port));
      };
      this.#exited.then(({ code, signal }) =>
        reject(new Error(`native load generator exited before it was ready (${code ?? signal})`)),
      );
    });
    this.port = await ready;
    this.#onLine = undefined;
    return this.port;
  }

  /**
   * One run, as runFlows(target, options) does it (options.ping is not used: the process is
   * its own ping listener, at the port start() returned).
   * @param {import('../load.mjs').Target} target
   * @param {Parameters<typeof import('../load.mjs').runFlows>[1]} options
   */
  async run(target, options) {
    if (!this.#child) throw new Error('native load generator: start() first');
    if (this.#busy) throw new Error('native load generator: one run at a time');
    const { mode, flows, concurrency, tag } = options;
    if (mode !== 'ping' && mode !== 'poll') throw new Error(`native load generator: unknown mode '${mode}'`);
    if (target.owners.length < concurrency)
      throw new Error(`target has ${target.owners.length} owners < ${concurrency}`);
    const warmupFlows = options.warmupFlows ?? 0;
    const coolDownFlows = options.coolDownFlows ?? 0;
    const total = warmupFlows + flows + coolDownFlows;
    const lines = [
      'RUN',
      `mode ${mode}`,
      `flows ${flows}`,
      `warmup ${warmupFlows}`,
      `cooldown ${coolDownFlows}`,
      `concurrency ${concurrency}`,
      // load.mjs thinks only when approveDelayMs > 0.
      `think ${options.approveDelayMs > 0 ? options.approveDelayMs : 0}`,
      `timeout ${options.flowTimeoutMs ?? 60_000}`,
      `tag ${word('tag', tag)}`,
      `backchannel ${word('backchannel endpoint', target.backchannelEndpoint)}`,
      `token ${word('token endpoint', target.tokenEndpoint)}`,
      `devices ${word('owner-device requests URL', target.ownerDeviceRequests)}`,
      `authorization ${basicAuth(target.clients[mode])}`,
      ...target.owners.map(
        (owner) => `owner ${word('login hint', owner.loginHint)} ${word('device credential', owner.deviceCredential)}`,
      ),
      'GO',
    ];

    this.#busy = true;
    this.#prefix = `[${target.name}] `;
    const origin = performance.timeOrigin;
    const time = (text) => (text === '-' ? undefined : Number(text) - origin);
    const timelines = [];
    const failed = {};
    const warmupFailed = {};
    let counters;
    let windowStartWall;
    let windowEndWall;
    let cpuStart;
    let cpuEnd;
    let hookStart;
    let hookEnd;
    let hookError;
    try {
      await new Promise((resolve, reject) => {
        this.#exited.then(({ code, signal }) =>
          reject(new Error(`native load generator exited during the run (${code ?? signal})`)),
        );
        // A completed run ends with DONE on both stdout and stderr: its error lines are all
        // logged before it resolves.
        let pending = 2;
        const done = () => --pending === 0 && resolve();
        this.#onErrorsDone = done;
        this.#onLine = (line) => {
          const words = line.split(' ');
          switch (words[0]) {
            case 'FLOW': {
              const n = Number(words[1]) + warmupFlows;
              timelines.push({
                bindingMessage: `BENCH-${tag}-${n}`,
                t0: time(words[2]),
                tAck: time(words[3]),
                tPing: time(words[4]),
                tToken: time(words[5]),
                polls: Number(words[6]),
                interval: words[7] === '-' ? undefined : Number(words[7]),
                tApproveSent: time(words[8]),
                tApproveDone: time(words[9]),
              });
              break;
            }
            case 'WINDOW': {
              // The hooks run as the line arrives, a fraction of a millisecond after the edge.
              const cpu = { user: Number(words[3]), system: Number(words[4]) };
              const hook = words[1] === 'START' ? options.onWindowStart : options.onWindowEnd;
              let result;
              try {
                result = settled(hook?.());
              } catch (err) {
                hookError ??= err;
              }
              if (words[1] === 'START') {
                windowStartWall = Number(words[2]);
                cpuStart = cpu;
                hookStart = result;
              } else {
                windowEndWall = Number(words[2]);
                cpuEnd = cpu;
                hookEnd = result;
              }
              break;
            }
            case 'FAILED':
              (words[1] === 'measured' ? failed : warmupFailed)[words[2]] = Number(words[3]);
              break;
            case 'COUNTERS':
              counters = words.slice(1).map(Number);
              break;
            case 'DONE':
              done();
              break;
            case 'ERROR':
              reject(new Error(`native load generator refused the run: ${words.slice(1).join(' ')}`));
              break;
            default:
              reject(new Error(`native load generator: unexpected line '${line.slice(0, 100)}'`));
          }
        };
        this.#child.stdin.write(lines.join('\n') + '\n');
      });
    } finally {
      this.#onLine = undefined;
      this.#onErrorsDone = undefined;
      this.#prefix = '[native load generator] ';
      this.#busy = false;
    }
    if (hookError) throw hookError;
    const [ownerDeviceErrors, listCalls, emptyLists, pingsReceived, pingsUnexpected] = counters;
    return {
      wallMs: windowEndWall - (windowStartWall ?? windowEndWall),
      completed: timelines.length,
      failed,
      warmupFailed,
      ownerDeviceErrors,
      deviceListsPerFlow: listCalls / Math.max(1, total),
      emptyDeviceListsPerFlow: emptyLists / Math.max(1, total),
      windowStart: await hookStart,
      windowEnd: await hookEnd,
      timelines,
      // The C process's own CPU time (getrusage), in microseconds, at the window's edges.
      generatorCpu: { start: cpuStart ?? cpuEnd, end: cpuEnd },
      pings: { received: pingsReceived, unexpected: pingsUnexpected },
    };
  }

  /** Ends the process (it exits when its input ends; killed if it has not within 2 s). */
  async stop() {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.#exited;
    clearTimeout(timer);
  }
}
