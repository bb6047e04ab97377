// Checks of the benchmark's arithmetic and of its node-oidc-provider adapter.
// Run with `node --test bench/test/`.
import assert from 'node:assert/strict';
import test from 'node:test';

import { UnboundedMemoryAdapter } from '../lib/unbounded-memory-adapter.mjs';
import { median, medianOfRuns, pairedRatios, percentile, stepLatencies, summarizeRun } from '../stats.mjs';

test('percentile uses the nearest rank, so p99 of 100 samples is the 99th smallest', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile([7], 99), 7);
  assert.equal(percentile([], 50), undefined);
});

test('median averages the middle pair and ignores missing values', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([undefined, 5, NaN]), 5);
  assert.equal(median([]), undefined);
});

test('step latencies are measured from the flow timeline on one clock', () => {
  const steps = stepLatencies([{ t0: 0, tAck: 2, tApproveSent: 5, tApproveDone: 6, tPing: 7, tToken: 9, polls: 1 }]);
  assert.equal(steps.backchannel.p50, 2);
  assert.equal(steps.requestToApproval.p50, 5);
  assert.equal(steps.approveCall.p50, 1);
  assert.equal(steps.approvalToPing.p50, 2);
  assert.equal(steps.approvalToToken.p50, 4);
  assert.equal(steps.flow.p50, 9);
});

test('a run summary divides the provider CPU time by the completed flows', () => {
  const timelines = Array.from({ length: 4 }, () => ({ t0: 0, tAck: 1, tApproveSent: 2, tToken: 3, polls: 1 }));
  const summary = summarizeRun({
    result: { completed: 4, failed: {}, ownerDeviceErrors: 0, wallMs: 2000, timelines },
    before: { cpuUserUs: 1_000, cpuSystemUs: 0, maxRssKb: 1024 },
    after: { cpuUserUs: 9_000, cpuSystemUs: 2_000, maxRssKb: 2048 },
    ticksBefore: 10,
    ticksAfter: 11,
  });
  assert.equal(summary.cpuMs, 10);
  assert.equal(summary.cpuMsPerFlow, 2.5);
  assert.equal(summary.flowsPerCpuSecond, 400);
  assert.equal(summary.flowsPerSecond, 2);
  assert.equal(summary.cpuMsProcStat, 10);
  assert.equal(summary.peakRssMiB, 2);
});

test('medians over runs are taken figure by figure', () => {
  const run = (flowsPerSecond, p99) => ({
    completed: 10,
    failed: { token: 1 },
    flowsPerSecond,
    cpuMsPerFlow: 1,
    flowsPerCpuSecond: 1000,
    peakRssMiB: 100,
    tokenRequestsPerFlow: 1,
    steps: { flow: { p50: 1, p99 } },
  });
  const m = medianOfRuns([run(10, 50), run(30, 10), run(20, 30)]);
  assert.equal(m.flowsPerSecond, 20);
  assert.equal(m.steps.flow.p99, 30);
  assert.equal(m.failedTotal, 3);
});

test('the unbounded adapter keeps more than the bundled LRU cap of 1,000 entries', async () => {
  const adapter = new UnboundedMemoryAdapter('BenchKeep');
  for (let i = 0; i < 1500; i++) await adapter.upsert(`id${i}`, { n: i }, 60);
  assert.deepEqual(await adapter.find('id0'), { n: 0 });
  assert.deepEqual(await adapter.find('id1499'), { n: 1499 });
});

test('the unbounded adapter drops an entry once it expires', async () => {
  const adapter = new UnboundedMemoryAdapter('BenchExpire');
  await adapter.upsert('short', { n: 1 }, 0.01);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(await adapter.find('short'), undefined);
});

test('revoking a grant removes every artifact issued under it', async () => {
  const tokens = new UnboundedMemoryAdapter('BenchAccessToken');
  const requests = new UnboundedMemoryAdapter('BenchRequest');
  await tokens.upsert('at1', { grantId: 'g1' }, 60);
  await requests.upsert('r1', { grantId: 'g1' }, 60);
  await tokens.upsert('at2', { grantId: 'g2' }, 60);
  await tokens.revokeByGrantId('g1');
  assert.equal(await tokens.find('at1'), undefined);
  assert.equal(await requests.find('r1'), undefined);
  assert.deepEqual(await tokens.find('at2'), { grantId: 'g2' });
});

test('consume marks the stored payload as consumed', async () => {
  const adapter = new UnboundedMemoryAdapter('BenchConsume');
  await adapter.upsert('c1', { n: 1 }, 60);
  await adapter.consume('c1');
  assert.equal(typeof (await adapter.find('c1')).consumed, 'number');
});

test('paired ratios divide each run by the other provider run of the same repeat', () => {
  const ours = [
    { repeat: 0, flowsPerCpuSecond: 600 },
    { repeat: 1, flowsPerCpuSecond: 450 },
    { repeat: 2, flowsPerCpuSecond: 700 },
  ];
  const theirs = [
    { repeat: 2, flowsPerCpuSecond: 500 },
    { repeat: 0, flowsPerCpuSecond: 400 },
    { repeat: 1, flowsPerCpuSecond: 300 },
  ];
  const pairs = pairedRatios(ours, theirs, 'flowsPerCpuSecond');
  assert.deepEqual(pairs.ratios, [1.5, 1.5, 1.4]);
  assert.equal(pairs.median, 1.5);
  assert.equal(pairs.min, 1.4);
  assert.equal(pairs.max, 1.5);
  assert.equal(pairedRatios(ours, [], 'flowsPerCpuSecond'), undefined);
});

test('a run summary splits the CPU time into the main thread and the other threads', () => {
  const summary = summarizeRun({
    result: { completed: 2, failed: {}, ownerDeviceErrors: 0, wallMs: 1000, timelines: [] },
    before: { cpuUserUs: 0, cpuSystemUs: 0, maxRssKb: 1024 },
    after: { cpuUserUs: 4_000, cpuSystemUs: 0, maxRssKb: 1024 },
    threads: {
      main: { cpuMsPerFlow: 1.5, wakeupsPerFlow: 0, pageFaultsPerFlow: 0 },
      node: { cpuMsPerFlow: 0.3, wakeupsPerFlow: 1, pageFaultsPerFlow: 0 },
      'libuv-worker': { cpuMsPerFlow: 0.2, wakeupsPerFlow: 0, pageFaultsPerFlow: 0 },
    },
  });
  assert.equal(summary.mainThreadCpuMsPerFlow, 1.5);
  assert.equal(summary.otherThreadsCpuMsPerFlow, 0.5);
});
