import { Worker } from 'node:worker_threads';

/** Options of {@link startWalCheckpointer}. */
export interface WalCheckpointerOptions {
  /** The SQLite database file (not `:memory:`). */
  file: string;
  /** How often the worker checkpoints (ms). Default 200. */
  intervalMs?: number;
}

/** A running checkpoint worker. */
export interface WalCheckpointer {
  /** Stop the worker and close its connection. */
  stop(): Promise<void>;
}

/*
 * The worker's code: its own better-sqlite3 connection, a PASSIVE checkpoint on a
 * timer (copies committed WAL frames into the database file and syncs it without
 * blocking the writer or readers; SQLite then restarts the WAL from its beginning).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 0 });
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next pass retries */ }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoint an SQLite WAL database from a worker thread. A checkpoint copies the
 * frames of every commit since the last one into the database file and syncs it
 * (`synchronous = NORMAL` syncs only there); left to SQLite's automatic checkpoint it
 * runs inside whichever commit crosses the threshold, on the event loop, stalling every
 * request for milliseconds. The serving connection keeps a high automatic threshold as
 * a fallback should the worker fall behind.
 *
 * @example
 * const checkpointer = startWalCheckpointer({ file: './data/onboard.sqlite' });
 * // … on close:
 * await checkpointer.stop();
 */
export function startWalCheckpointer(options: WalCheckpointerOptions): WalCheckpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver: require.resolve('better-sqlite3'),
      file: options.file,
      intervalMs: options.intervalMs ?? 200,
    },
  });
  // The worker must not keep the process alive on its own.
  worker.unref();
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', () => undefined);
  return {
    async stop() {
      worker.postMessage('stop');
      const timeout = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timeout);
    },
  };
}
