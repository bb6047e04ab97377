import { Worker } from 'node:worker_threads';

/** Options of {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** The SQLite database file (not `:memory:`). */
  file: string;
  /** Checkpoint once this many commits are not yet checkpointed. Default 64. */
  commitsPerCheckpoint?: number;
  /** …and at the latest this long after the first of them (ms). Default 1000. */
  maxDelayMs?: number;
  /**
   * The worker thread's nice value on Linux, as `nice` reports it (not added to the
   * process's). Where it may not be set (a lower value without the privilege), the thread
   * keeps the process's. Default 10.
   */
  nice?: number;
}

/** A running checkpoint worker. */
export interface WalCheckpointer {
  /** Note one commit (cheap: the worker is woken only when a checkpoint is due). */
  committed(): void;
  /** Stop the worker and close its connection. */
  stop(): Promise<void>;
}

/*
 * The worker's code: its own better-sqlite3 connection; on each message a PASSIVE
 * checkpoint (copies committed WAL frames into the database file and syncs it without
 * blocking the writer or readers; SQLite then restarts the WAL from its beginning).
 * It sleeps between messages: an idle provider wakes it never.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
// Linux: a thread has a nice value of its own (setpriority on its thread id). At nice 10
// the checkpoint yields the CPU to the event loop (and to whatever else serves requests
// on the machine) when both want it; it still runs at once on an idle core.
try {
  const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
  if (Number.isInteger(tid) && tid > 0) require('node:os').setPriority(tid, workerData.nice);
} catch { /* not Linux, or not allowed: the checkpoint runs at the process's priority */ }
parentPort.on('message', (message) => {
  if (message === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next one retries */ }
});
`;

/**
 * Checkpoint an SQLite WAL database from a worker thread. A checkpoint copies the
 * frames of every commit since the last one into the database file and syncs it
 * (`synchronous = NORMAL` syncs only there); left to SQLite's automatic checkpoint it
 * runs inside whichever commit crosses the threshold, on the event loop, stalling every
 * request for milliseconds. The serving connection reports its commits
 * (`committed()`); every `commitsPerCheckpoint` commits, or `maxDelayMs` after the first
 * unchecked one, the worker checkpoints. Nothing wakes it while nothing is written: on
 * this kind of machine a thread woken five times a second costs about 1 % of a core.
 * On Linux the worker runs at nice 10: on a small machine at saturation, a checkpoint
 * competing with the event loop and the machine's other processes for the cores delayed
 * them by milliseconds.
 * The serving connection keeps a high automatic threshold as a fallback.
 *
 * @example
 * const checkpointer = startWalCheckpointer({ file: './data/onboard.sqlite' });
 * // after each commit:
 * checkpointer.committed();
 * // on close:
 * await checkpointer.stop();
 */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const commitsPerCheckpoint = options.commitsPerCheckpoint ?? 64;
  const maxDelayMs = options.maxDelayMs ?? 1000;
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { driver: require.resolve('better-sqlite3'), file: options.file, nice: options.nice ?? 10 },
  });
  // The worker must not keep the process alive on its own.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => undefined);
  let unchecked = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const checkpoint = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    unchecked = 0;
    if (!stopped) worker.postMessage('checkpoint');
  };

  return {
    committed() {
      if (stopped) return;
      unchecked++;
      if (unchecked >= commitsPerCheckpoint) {
        checkpoint();
      } else if (!timer) {
        timer = setTimeout(checkpoint, maxDelayMs);
        timer.unref();
      }
    },
    async stop() {
      if (timer) clearTimeout(timer);
      stopped = true;
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
