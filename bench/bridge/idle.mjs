// Idle connected head-units on one bridge process: registration through the bridge admin
// import, then `count` head-units connect (raw MQTT CONNECT + SUBSCRIBE from a few load-
// generator processes, bench/bridge/idle-worker.mjs) and stay idle; the bridge's RSS is read
// before and after (each time after a forced full GC), and the connect phase is timed.
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

import { importDevices } from './targets.mjs';

const WORKER = fileURLToPath(new URL('./idle-worker.mjs', import.meta.url));
/** Sockets per load-generator process. */
const PER_WORKER = 5000;

/** The open-files limit (soft, hard) of a process, from /proc/<pid>/limits. */
export function openFilesLimit(pid = 'self') {
  const line = readFileSync(`/proc/${pid}/limits`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max open files'));
  const [soft, hard] = line
    .split(/\s{2,}/)
    .slice(1, 3)
    .map(Number);
  return { soft, hard };
}

class Worker {
  constructor(index) {
    this.index = index;
    this.child = fork(WORKER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.exited = new Promise((done) => this.child.once('exit', done));
    this.online = new Promise((done, fail) => {
      this.child.once('message', (m) =>
        m?.type === 'online' ? done() : fail(new Error(`idle worker said ${m?.type}`)),
      );
      this.child.once('exit', (code) => fail(new Error(`idle worker ${index} exited (${code})`)));
    });
    this.online.catch(() => undefined);
  }

  async request(message, type, onOther = () => {}) {
    await this.online;
    return new Promise((resolve, reject) => {
      const onMessage = (m) => {
        if (m.type === type) finish(undefined, m);
        else if (m.type === 'failed') finish(new Error(m.error));
        else onOther(m);
      };
      const onExit = (code) => finish(new Error(`idle worker ${this.index} exited (${code})`));
      const finish = (err, value) => {
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (err) reject(err);
        else resolve(value);
      };
      this.child.on('message', onMessage);
      this.child.once('exit', onExit);
      this.child.send(message);
    });
  }

  async stop() {
    if (this.child.exitCode !== null) return;
    this.child.send({ type: 'stop' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * @param {Awaited<ReturnType<import('./targets.mjs').startVehiclePath>>} path
 * @param {{ root: string, count: number, inFlight: number, keepaliveSeconds: number, log: (s: string) => void }} options
 */
export async function runIdle(path, { root, count: requested, inFlight, keepaliveSeconds, log }) {
  const baseline = await path.bridge.process.memory(true);
  // One descriptor per connection: the bridge's open-files limit bounds what one process can hold.
  const limit = openFilesLimit(path.bridge.process.pid);
  const reserve = 64;
  const capacity = limit.soft - baseline.openFds - reserve;
  const count = Math.min(requested, capacity);
  if (count < requested)
    log(
      `idle: the bridge process may open ${limit.soft} files (hard limit ${limit.hard}); with ${baseline.openFds} in use and ${reserve} kept spare it can hold ${capacity} connections, so ${count} of ${requested} head-units connect\n`,
    );

  const workerCount = Math.max(1, Math.ceil(count / PER_WORKER));
  const workers = Array.from({ length: workerCount }, (_, i) => new Worker(i));
  try {
    const shares = workers.map((_, i) => Math.floor(count / workerCount) + (i < count % workerCount ? 1 : 0));
    log(`idle: generating keys for ${count} head-units in ${workerCount} processes ... `);
    const keysStarted = performance.now();
    const keyed = await Promise.all(
      workers.map((w, i) => w.request({ type: 'keys', count: shares[i], prefix: `idle-${i}` }, 'keys-done')),
    );
    const keygenMs = performance.now() - keysStarted;
    log(`${(keygenMs / 1000).toFixed(1)} s\n`);

    log(`idle: registering ${count} head-units through POST /admin/v1/devices:import ... `);
    const registrations = keyed.flatMap((k) => k.registrations);
    const imported = await importDevices(path.bridge, registrations);
    log(`${(imported.ms / 1000).toFixed(1)} s (${((count / imported.ms) * 1000).toFixed(0)} devices/s)\n`);
    // A fresh bridge process on the same store (the registry is in SQLite): its memory then
    // holds no leftovers of the import, so "before" is a booted bridge that knows the fleet.
    log('idle: restarting the bridge on the same store\n');
    await path.restartBridge();
    const bridge = path.bridge.process;
    await sleep(1000);
    const before = await bridge.memory(true);

    // Two halves, with a memory reading between them: the second half's growth is the
    // marginal cost of a connection once the allocator's slack from the import is used up.
    const phase = async (half) => {
      const results = await Promise.all(
        workers.map((w, i) =>
          w.request(
            {
              type: 'connect',
              root,
              host: '127.0.0.1',
              port: path.bridge.mqttPort,
              // a source address per load generator, so ephemeral ports never run short
              localAddress: `127.0.0.${2 + i}`,
              audience: 'urn:onboard:mqtt-bridge',
              inFlight,
              keepaliveSeconds,
              from: half === 0 ? 0 : Math.floor(shares[i] / 2),
              to: half === 0 ? Math.floor(shares[i] / 2) : shares[i],
            },
            'connect-done',
          ),
        ),
      );
      // first CONNECT sent -> last SUBACK received, on the workers' (shared epoch) clocks
      const spanMs = Math.max(...results.map((r) => r.finishedAt)) - Math.min(...results.map((r) => r.startedAt));
      return { results, spanMs };
    };
    log(`idle: connecting ${count} head-units in two halves ... `);
    const first = await phase(0);
    await sleep(1000);
    const middle = await bridge.memory(true);
    const second = await phase(1);
    const results = [...first.results, ...second.results];
    const connected = results.reduce((a, r) => a + r.connected, 0);
    const connectedFirst = first.results.reduce((a, r) => a + r.connected, 0);
    const failed = results.reduce((a, r) => a + r.failed, 0);
    const errors = {};
    for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
    const spanMs = first.spanMs + second.spanMs;
    log(`${connected} connected (${failed} failed) in ${(spanMs / 1000).toFixed(1)} s\n`);
    if (failed) log(`idle: connection failures ${JSON.stringify(errors)}\n`);

    // let the last sessions settle, then read memory once everything is idle
    await sleep(3000);
    const after = await bridge.memory(true);
    const brokerConnected = await bridge.connected();
    const stillOpen = (await Promise.all(workers.map((w) => w.request({ type: 'count' }, 'count')))).reduce(
      (a, m) => a + m.open,
      0,
    );
    const stats = await bridge.stats();
    return {
      requested,
      count,
      openFilesLimit: limit,
      bridgeFdsAtStart: before.openFds,
      loadGenerators: workerCount,
      inFlight,
      keepaliveSeconds,
      keygenMs,
      import: { ...imported, devicesPerSecond: (count / imported.ms) * 1000 },
      connected,
      failed,
      errors,
      connectSpanMs: spanMs,
      connectSpanMsByHalf: [first.spanMs, second.spanMs],
      connectionsPerSecond: connected / (spanMs / 1000),
      brokerConnected,
      stillOpen,
      memoryBefore: before,
      memoryMiddle: { ...middle, connected: connectedFirst },
      memoryAfter: after,
      rssBeforeMiB: before.rssBytes / 2 ** 20,
      rssAfterMiB: after.rssBytes / 2 ** 20,
      peakRssMiB: stats.maxRssKb / 1024,
      rssBytesPerConnection: connected ? (after.rssBytes - before.rssBytes) / connected : undefined,
      // growth over the second half only
      marginalRssBytesPerConnection:
        connected > connectedFirst ? (after.rssBytes - middle.rssBytes) / (connected - connectedFirst) : undefined,
      heapBytesPerConnection: connected ? (after.heapUsedBytes - before.heapUsedBytes) / connected : undefined,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
