#!/usr/bin/env node
// Where Onboard's approval -> token time goes, flow by flow: the load generator's
// timeline (approval sent, ping received, tokens received) joined with the provider's own
// audit times (auth_request.approved, tokens.issued: when the provider ran the approval
// and the token request). Both are read as wall-clock milliseconds (the load generator's
// performance.timeOrigin + performance.now(), the provider's Date.now()), so a step is
// accurate to about a millisecond.
//
//   node bench/latency-breakdown.mjs [--flows 2000] [--warmup 1000] [--think-ms 0] [--concurrency 50]
//                                    [--load-generator auto|native|node] [--pin off|auto|on]
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

import { describeSetup, openLoadGenerator } from './lib/load-generators.mjs';
import { settingsReader } from './lib/settings.mjs';
import { percentile } from './stats.mjs';
import { recordGcEvents, recordStalls, takeGcEvents, takeStalls } from './lib/child-stats.mjs';
import { startOnboard } from './targets/onboard.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

const { int, pick } = settingsReader(process.argv.slice(2), process.env);
const flows = int('flows', 'BENCH_FLOWS', 2000);
const warmup = int('warmup', 'BENCH_WARMUP', 1000);
const thinkMs = int('think-ms', 'BENCH_THINK_MS', 0);
const concurrency = int('concurrency', 'BENCH_CONCURRENCY', 50);

// Garbage collections of both processes, so slow flows can be matched with pauses.
process.env.BENCH_GC_EVENTS = '1';
recordGcEvents();
if (process.env.BENCH_STALLS) recordStalls();

const loadGenerator = await openLoadGenerator({
  setting: pick('load-generator', 'BENCH_LOAD_GENERATOR', 'auto'),
  pin: pick('pin', 'BENCH_PIN', 'off'),
});
if (loadGenerator.note) console.error(loadGenerator.note);
const native = loadGenerator.kind === 'native';
console.log(describeSetup(loadGenerator));
const { target, process: child } = await startOnboard({
  owners: concurrency,
  pingPort: loadGenerator.pingPort,
  root: ROOT,
});
try {
  // One closed loop: the warm-up flows lead into the measured ones (see runFlows); the
  // collections and stalls of both processes are taken from the window's start.
  const run = await loadGenerator.run(target, {
    mode: 'ping',
    flows,
    concurrency,
    tag: 'm',
    approveDelayMs: thinkMs,
    warmupFlows: warmup,
    coolDownFlows: concurrency,
    onWindowStart: () => {
      takeGcEvents();
      takeStalls();
      return child.pauses();
    },
  });
  const providerPauses = await child.pauses();
  // The native load generator has no garbage collector; this process only waits for it.
  const gc = { provider: providerPauses.gc, generator: native ? [] : takeGcEvents() };
  const stalls = { provider: providerPauses.stalls, generator: native ? [] : takeStalls() };
  // Only what happened inside the window.
  const windowFrom = performance.timeOrigin + Math.min(...run.timelines.map((t) => t.t0));
  for (const list of [gc.provider, gc.generator, stalls.provider, stalls.generator])
    list.splice(0, list.length, ...list.filter((e) => e.at >= windowFrom));

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

  // Garbage collections inside each flow's approval -> token window, in either process.
  const overlap = (events, from, to) => {
    let ms = 0;
    for (const e of events) ms += Math.max(0, Math.min(to, e.at + e.ms) - Math.max(from, e.at));
    return ms;
  };
  const windows = run.timelines
    .filter((t) => t.tPing !== undefined && t.tApproveSent !== undefined)
    .map((t) => ({ total: t.tToken - t.tApproveSent, from: origin + t.tApproveSent, to: origin + t.tToken }));
  windows.sort((a, b) => b.total - a.total);
  const describe = (label, list) => {
    const provider = list.map((w) => overlap(gc.provider, w.from, w.to));
    const generator = list.map((w) => overlap(gc.generator, w.from, w.to));
    const share = (values) => ((100 * values.filter((v) => v > 0).length) / Math.max(1, values.length)).toFixed(0);
    const mean = (values) => (values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)).toFixed(1);
    console.log(
      `${label.padEnd(20)} provider GC in ${share(provider).padStart(3)} % (mean ${mean(provider)} ms), load generator GC in ${share(generator).padStart(3)} % (mean ${mean(generator)} ms)`,
    );
  };
  const gcSummary = (name, events) => {
    if (events.length === 0) {
      console.log(
        `${name.padEnd(20)} none${native && name.includes('generator') ? ' (native: no garbage collector)' : ''}`,
      );
      return;
    }
    const durations = events.map((e) => e.ms).sort((a, b) => a - b);
    const span = (run.wallMs || 1) / 1000;
    console.log(
      `${name.padEnd(20)} ${events.length} collections (${(events.length / span).toFixed(1)}/s), ms p50 ${percentile(durations, 50).toFixed(1)} p99 ${percentile(durations, 99).toFixed(1)} max ${(durations.at(-1) ?? 0).toFixed(1)}, ${(durations.reduce((a, b) => a + b, 0) / span / 10).toFixed(1)} % of wall time`,
    );
  };
  console.log('garbage collection (BENCH_GC_EVENTS):');
  gcSummary('  provider', gc.provider);
  gcSummary('  load generator', gc.generator);
  describe('  all flows', windows);
  describe('  slowest 2 %', windows.slice(0, Math.max(1, Math.ceil(windows.length * 0.02))));
  if (process.env.BENCH_GC_DETAIL) {
    // Episodes: 250 ms stretches of the run with ten or more flows over 30 ms, printed with
    // the collections and (BENCH_STALLS=1) the event-loop stalls of both processes around them.
    const t0 = Math.min(...windows.map((w) => w.from));
    const buckets = new Map();
    for (const w of windows) {
      const b = Math.floor((w.from - t0) / 250);
      const entry = buckets.get(b) ?? { n: 0, slow: 0 };
      entry.n++;
      if (w.total > 30) entry.slow++;
      buckets.set(b, entry);
    }
    const perBucket = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
    console.log(`  flows over 30 ms per 250 ms of the run: ${perBucket.map(([, e]) => e.slow).join(' ')}`);
    const around = (list, from, to) =>
      list
        .filter((e) => e.at >= from && e.at < to)
        .map(
          (e) =>
            `${(e.at - t0).toFixed(0)}(${e.ms.toFixed(1)}${e.kind ? ',' + e.kind : ''}${e.runMs !== undefined ? `,run ${e.runMs.toFixed(1)},wait ${e.waitMs.toFixed(1)}` : ''})`,
        )
        .join(' ');
    for (const [b, e] of perBucket) {
      if (e.slow < 10) continue;
      const from = t0 + b * 250 - 100;
      const to = t0 + b * 250 + 350;
      console.log(`  episode at ${b * 250} ms, ${e.slow} of ${e.n} flows over 30 ms (at ms(length, GC kind)):`);
      console.log(`    provider stalls  ${around(stalls.provider, from, to)}`);
      console.log(`    provider GCs     ${around(gc.provider, from, to)}`);
      console.log(`    generator stalls ${around(stalls.generator, from, to)}`);
      console.log(`    generator GCs    ${around(gc.generator, from, to)}`);
    }
  }
} finally {
  await child.stop();
  await loadGenerator.stop();
}
