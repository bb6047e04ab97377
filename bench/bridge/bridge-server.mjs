// The MQTT bridge as a benchmark target, in a process of its own (forked by
// bench/bridge/run.mjs). It boots the compiled app (`npm run build` first) through
// createBridgeApp(loadBridgeConfig(env)) from dist/, exactly as `npm run start:bridge`
// does, with the environment the parent chose (a temporary SQLite file, fixed ports, the
// provider's URL and admin token, relaxed connection-rate limits).
//
// Protocol with the parent (IPC): `{ type: 'configure', config: { root, env } }` ->
// `{ type: 'ready', httpUrl, mqttPort }`; `{ type: 'memory', seq, gc }` -> `{ type: 'memory',
// seq, memory }` (after a full garbage collection when the process runs with --expose-gc);
// `{ type: 'connected', seq }` -> the number of connected MQTT clients; `{ type: 'heap-snapshot',
// seq, file }` writes a V8 heap snapshot; then `{ type: 'stats' }`
// / `{ type: 'stop' }` (../lib/child-stats.mjs).
import { createRequire } from 'node:module';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';

import { serveStats, snapshot } from '../lib/child-stats.mjs';

const require = createRequire(import.meta.url);
let app;

serveStats(async () => {
  await app?.close();
});

/** Resident memory and V8 heap of this process, after a full GC when one can be forced. */
function memory(collect) {
  if (collect && typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
  const usage = process.memoryUsage();
  let fds;
  try {
    fds = readdirSync('/proc/self/fd').length;
  } catch {
    fds = undefined;
  }
  return {
    ...snapshot(),
    rssBytes: usage.rss,
    heapUsedBytes: usage.heapUsed,
    heapTotalBytes: usage.heapTotal,
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
    openFds: fds,
    gcForced: collect && typeof globalThis.gc === 'function',
  };
}

process.on('message', async (message) => {
  try {
    if (message?.type === 'configure') {
      const { root, env } = message.config;
      require(resolve(root, 'node_modules/reflect-metadata'));
      const { loadBridgeConfig } = require(resolve(root, 'dist/libs/config/src/index.js'));
      const { createBridgeApp } = require(resolve(root, 'dist/apps/mqtt-bridge/src/infra/create-bridge-app.js'));
      app = await createBridgeApp(loadBridgeConfig(env));
      process.send({ type: 'ready', httpUrl: app.httpUrl, mqttPort: app.bridge.addresses.tcp });
    } else if (message?.type === 'memory') {
      process.send({ type: 'memory', seq: message.seq, memory: memory(message.gc) });
    } else if (message?.type === 'heap-snapshot') {
      // investigation aid: a V8 heap snapshot of the bridge (open it in Chrome DevTools)
      const { writeHeapSnapshot } = await import('node:v8');
      process.send({ type: 'heap-snapshot', seq: message.seq, file: writeHeapSnapshot(message.file) });
    } else if (message?.type === 'connected') {
      process.send({ type: 'connected', seq: message.seq, connected: app?.bridge.broker.connectedClients ?? 0 });
    }
  } catch (err) {
    process.send({ type: 'failed', error: String(err?.stack ?? err) });
  }
});
