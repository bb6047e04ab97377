// Rendering the vehicle-path results as a console table and as the markdown pasted into
// docs/benchmarks.md ("The vehicle path").
import { fmt } from '../lib/settings.mjs';

const STEPS = {
  requestToAck: 'request → ack at head-unit',
  approveCall: 'approve call (owner device)',
  approvalToResult: 'approval → result at head-unit',
  decryptVerify: 'decrypt + verify at head-unit',
  approvalToTokens: 'approval → verified tokens',
  approvalResponseToTokens: 'approve response → verified tokens',
  pairing: 'whole pairing',
};

const MiB = 2 ** 20;
const GiB = 2 ** 30;

function pairingRows(latency, throughput) {
  const rows = [];
  const add = (label, get, digits = 1) => rows.push([label, fmt(get(latency), digits), fmt(get(throughput), digits)]);
  rows.push([
    'pairings completed (failed)',
    latency ? `${latency.completed} (${latency.failedTotal})` : '–',
    throughput ? `${throughput.completed} (${throughput.failedTotal})` : '–',
  ]);
  add('pairings/s', (s) => s?.pairingsPerSecond);
  add('provider CPU ms per pairing', (s) => s?.providerCpuMsPerPairing, 2);
  add('bridge CPU ms per pairing', (s) => s?.bridgeCpuMsPerPairing, 2);
  add('load generator CPU ms per pairing', (s) => s?.loadGeneratorCpuMsPerPairing, 2);
  add('provider peak RSS (MiB)', (s) => s?.providerPeakRssMiB);
  add('bridge peak RSS (MiB)', (s) => s?.bridgePeakRssMiB);
  for (const [step, label] of Object.entries(STEPS))
    for (const p of ['p50', 'p99']) add(`${label} ${p} (ms)`, (s) => s?.steps[step][p]);
  return rows;
}

function idleRows(idle) {
  const mem = (b) => `${fmt(b / MiB)} MiB`;
  return [
    ['head-units connected (asked for)', `${idle.connected} (${idle.requested})`],
    ['failed connections', String(idle.failed)],
    ['connected at the broker / sockets open at the end', `${idle.brokerConnected} / ${idle.stillOpen}`],
    [
      'registration through the admin import',
      `${fmt(idle.import.ms / 1000)} s (${fmt(idle.import.devicesPerSecond, 0)} devices/s)`,
    ],
    ['connect time (first CONNECT → last SUBACK)', `${fmt(idle.connectSpanMs / 1000, 2)} s`],
    ['connections/s', fmt(idle.connectionsPerSecond, 0)],
    ['bridge RSS before (restarted after the import, GC)', mem(idle.memoryBefore.rssBytes)],
    [`bridge RSS at half (${idle.memoryMiddle.connected} connected, GC)`, mem(idle.memoryMiddle.rssBytes)],
    ['bridge RSS after (all connected, idle, GC)', mem(idle.memoryAfter.rssBytes)],
    ['bridge peak RSS', `${fmt(idle.peakRssMiB)} MiB`],
    ['RSS per connection (after − before) / connected', `${fmt(idle.rssBytesPerConnection / 1024, 1)} KiB`],
    ['RSS per connection, second half only', `${fmt(idle.marginalRssBytesPerConnection / 1024, 1)} KiB`],
    ['V8 heap per connection', `${fmt(idle.heapBytesPerConnection / 1024, 1)} KiB`],
    [
      'bridge V8 heap used before / after',
      `${mem(idle.memoryBefore.heapUsedBytes)} / ${mem(idle.memoryAfter.heapUsedBytes)}`,
    ],
  ];
}

/** The targets (issue 3 §8), checked against the medians. */
export function targetChecks(results) {
  const checks = [];
  const { latency, throughput } = results.summary ?? {};
  for (const [key, s] of [
    ['latency', latency],
    ['throughput', throughput],
  ]) {
    if (!s) continue;
    const p99 = s.steps.approvalToTokens.p99;
    checks.push({
      target: `${key}: approval → verified tokens p99 < 25 ms (${s.concurrency} in flight)`,
      measured: `${fmt(p99)} ms`,
      met: p99 < 25,
    });
  }
  const idle = results.idle;
  if (idle) {
    const total = idle.memoryAfter.rssBytes;
    // extrapolation (only when fewer connected than asked): the larger per-connection figure
    const perConnection = Math.max(idle.rssBytesPerConnection ?? 0, idle.marginalRssBytesPerConnection ?? 0);
    const projected = total + perConnection * (idle.requested - idle.connected);
    checks.push({
      target: `idle: ${idle.requested} connected head-units under 1 GiB bridge RSS`,
      measured:
        idle.connected >= idle.requested
          ? `${fmt(total / MiB)} MiB`
          : `${fmt(total / MiB)} MiB at ${idle.connected}; ${fmt(projected / MiB)} MiB extrapolated to ${idle.requested}`,
      met: idle.connected >= idle.requested ? total < GiB : projected < GiB ? 'extrapolated' : false,
    });
  }
  return checks;
}

function heading(s, key) {
  const think = s.thinkMs
    ? `owners approve after ${s.thinkMs / 2}–${(s.thinkMs * 3) / 2} ms`
    : 'owners approve at once';
  return `${key}: ${s.concurrency} pairings in flight, ${think}, ${s.flows} pairings per run, median of ${s.repeats} run(s)`;
}

function table(headers, body) {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])));
  return [
    line(headers).join('  '),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map((r) => line(r).join('  ')),
  ].join('\n');
}

const metText = (met) => (met === true ? 'yes' : met === 'extrapolated' ? 'extrapolated' : 'NO');

export function renderTable(results) {
  const parts = [];
  const { latency, throughput } = results.summary ?? {};
  if (latency || throughput) {
    if (latency) parts.push(heading(latency, 'latency'));
    if (throughput) parts.push(heading(throughput, 'throughput'));
    parts.push(table(['', 'latency', 'throughput'], pairingRows(latency, throughput)));
  }
  if (results.idle) parts.push(`\nidle head-units on one bridge process\n${table(['', ''], idleRows(results.idle))}`);
  const checks = targetChecks(results);
  if (checks.length)
    parts.push(
      `\ntargets\n${table(
        ['', 'measured', 'met'],
        checks.map((c) => [c.target, c.measured, metText(c.met)]),
      )}`,
    );
  return `\n${parts.join('\n')}\n`;
}

export function renderMarkdown(results) {
  const m = results.machine;
  const lines = [
    `Measured ${results.generatedAt.slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node.js ${m.node}, Linux ${m.kernel}, open-files limit ${m.openFilesLimit.soft} (hard ${m.openFilesLimit.hard}); run took ${results.durationSeconds} s.`,
    '',
  ];
  const { latency, throughput } = results.summary ?? {};
  if (latency || throughput) {
    if (latency) lines.push(`- ${heading(latency, 'latency')}`);
    if (throughput) lines.push(`- ${heading(throughput, 'throughput')}`);
    lines.push('', '| | latency | throughput |', '|---|---:|---:|');
    for (const r of pairingRows(latency, throughput)) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  }
  if (results.idle) {
    lines.push('| idle head-units on one bridge process | |', '|---|---:|');
    for (const r of idleRows(results.idle)) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  }
  const checks = targetChecks(results);
  if (checks.length) {
    lines.push('| target | measured | met |', '|---|---:|:---:|');
    for (const c of checks)
      lines.push(
        `| ${c.target} | ${c.measured} | ${c.met === true ? 'yes' : c.met === 'extrapolated' ? 'extrapolated' : '**no**'} |`,
      );
    lines.push('');
  }
  return lines.join('\n');
}
