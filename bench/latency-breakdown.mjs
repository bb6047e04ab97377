#!/usr/bin/env node
// Where Onboard's approval -> token time goes, flow by flow: the load generator's
// timeline (approval sent, ping received, tokens received) joined with the provider's own
// audit times (auth_request.approved, tokens.issued: when the provider ran the approval
// and the token request). Both are read as wall-clock milliseconds (the load generator's
// performance.timeOrigin + performance.now(), the provider's Date.now()), so a step is
// accurate to about a millisecond.
//
//   node bench/latency-breakdown.mjs [--flows 2000] [--warmup 1000] [--think-ms 0] [--concurrency 50]
//
// Steps reported (p50 / p90 / p99, and their mean over the slowest 2 % of flows):
//   approval in        approve call sent -> the provider runs it (queueing before the handler)
//   approved -> ping   the approval's commit, the ping's delivery, the client receiving it
//   ping -> consumed   the client's token request -> the provider runs it
//   consumed -> tokens the consumption's commit, signing, the response, the client receiving it
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

import { PingListener, runFlows } from './load.mjs';
import { settingsReader } from './lib/settings.mjs';
import { percentile } from './stats.mjs';
import { startOnboard } from './targets/onboard.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { int } = settingsReader(process.argv.slice(2), process.env);
const flows = int('flows', 'BENCH_FLOWS', 2000);
const warmup = int('warmup', 'BENCH_WARMUP', 1000);
const thinkMs = int('think-ms', 'BENCH_THINK_MS', 0);
const concurrency = int('concurrency', 'BENCH_CONCURRENCY', 50);

const ping = new PingListener();
ping.port = await ping.start();
const { target, process: child } = await startOnboard({ owners: concurrency, pingPort: ping.port, root: ROOT });
try {
  await runFlows(target, { mode: 'ping', flows: warmup, concurrency, ping, tag: 'w', approveDelayMs: 0 });
  const run = await runFlows(target, { mode: 'ping', flows, concurrency, ping, tag: 'm', approveDelayMs: thinkMs });

  const Database = require('better-sqlite3');
  const db = new Database(target.databaseFile, { readonly: true, fileMustExist: true });
  const audit = new Map();
  for (const row of db
    .prepare(
      `SELECT r.binding_message AS bm, e.type AS type, e.at AS at
       FROM auth_requests r JOIN audit_events e ON e.auth_request_id = r.id
       WHERE r.binding_message LIKE 'BENCH-m-%' AND e.type IN ('auth_request.approved', 'tokens.issued')`,
    )
    .iterate()) {
    const times = audit.get(row.bm) ?? {};
    times[row.type] = row.at;
    audit.set(row.bm, times);
  }
  db.close();

  const origin = performance.timeOrigin;
  const steps = {
    'approval in': [],
    'approved -> ping': [],
    'ping -> consumed': [],
    'consumed -> tokens': [],
    total: [],
  };
  for (const t of run.timelines) {
    const times = audit.get(t.bindingMessage);
    if (!times?.['auth_request.approved'] || !times['tokens.issued'] || t.tPing === undefined) continue;
    const approved = times['auth_request.approved'];
    const consumed = times['tokens.issued'];
    steps['approval in'].push(approved - (origin + t.tApproveSent));
    steps['approved -> ping'].push(origin + t.tPing - approved);
    steps['ping -> consumed'].push(consumed - (origin + t.tPing));
    steps['consumed -> tokens'].push(origin + t.tToken - consumed);
    steps.total.push(t.tToken - t.tApproveSent);
  }
  const n = steps.total.length;
  const slowest = steps.total
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0])
    .slice(0, Math.max(1, Math.ceil(n * 0.02)))
    .map(([, i]) => i);
  console.log(
    `${n} flows, concurrency ${concurrency}, think ${thinkMs} ms (ms: p50 / p90 / p99 / mean of the slowest 2 %)`,
  );
  for (const [name, values] of Object.entries(steps)) {
    const sorted = [...values].sort((a, b) => a - b);
    const slow = slowest.reduce((sum, i) => sum + values[i], 0) / slowest.length;
    console.log(
      `${name.padEnd(20)} ${[50, 90, 99].map((p) => percentile(sorted, p).toFixed(1).padStart(6)).join(' ')} ${slow.toFixed(1).padStart(6)}`,
    );
  }
} finally {
  await child.stop();
  await ping.stop();
}
