// Rendering benchmark results as a console table and as the markdown pasted into
// docs/benchmarks.md.
import { fmt } from './lib/settings.mjs';

const NAMES = { onboard: 'Onboard', 'oidc-provider': 'node-oidc-provider' };
const STEP_LABELS = {
  backchannel: 'backchannel request',
  requestToApproval: 'request → approval sent',
  approveCall: 'approve call (owner device)',
  approvalToPing: 'approval → ping at client',
  approvalToToken: 'approval → token at client',
  pingToToken: 'ping → token at client',
  flow: 'whole flow',
};

const ratio = (ours, theirs) => {
  if (typeof ours !== 'number' || typeof theirs !== 'number' || theirs === 0) return '–';
  const r = ours / theirs;
  return `${r < 0.1 ? r.toFixed(3) : r.toFixed(2)}×`;
};

/** Rows [label, ours, theirs, ratio] of one scenario. */
function rows(modeSummary, mode, paired) {
  const ours = modeSummary.onboard ?? {};
  const theirs = modeSummary['oidc-provider'] ?? {};
  const out = [];
  const add = (label, a, b, digits = 1) => out.push([label, fmt(a, digits), fmt(b, digits), ratio(a, b)]);
  out.push([
    'flows completed (failed)',
    ours.completed === undefined ? '–' : `${ours.completed} (${ours.failedTotal})`,
    theirs.completed === undefined ? '–' : `${theirs.completed} (${theirs.failedTotal})`,
    '',
  ]);
  if (mode === 'poll') {
    out.push([
      'advertised interval (s)',
      ours.completed === undefined ? '–' : String(ours.advertisedInterval ?? 'none (5)'),
      theirs.completed === undefined ? '–' : String(theirs.advertisedInterval ?? 'none (5)'),
      '',
    ]);
  }
  add('flows/s', ours.flowsPerSecond, theirs.flowsPerSecond);
  add('provider CPU ms per flow', ours.cpuMsPerFlow, theirs.cpuMsPerFlow, 2);
  add('… of which main thread', ours.mainThreadCpuMsPerFlow, theirs.mainThreadCpuMsPerFlow, 2);
  add('… of which other threads (GC, workers)', ours.otherThreadsCpuMsPerFlow, theirs.otherThreadsCpuMsPerFlow, 2);
  add('flows per provider CPU-second', ours.flowsPerCpuSecond, theirs.flowsPerCpuSecond);
  if (paired?.flowsPerCpuSecond) {
    const { median, min, max, ratios } = paired.flowsPerCpuSecond;
    out.push([
      `flows per CPU-second, ratio of ${ratios.length} run pairs`,
      '',
      '',
      `${median.toFixed(2)}× (${min.toFixed(2)}–${max.toFixed(2)})`,
    ]);
  }
  add('provider peak RSS (MiB)', ours.peakRssMiB, theirs.peakRssMiB);
  add('token requests per flow', ours.tokenRequestsPerFlow, theirs.tokenRequestsPerFlow, 2);
  for (const [step, label] of Object.entries(STEP_LABELS)) {
    if ((step === 'approvalToPing' || step === 'pingToToken') && mode !== 'ping') continue;
    for (const p of ['p50', 'p99']) {
      add(`${label} ${p} (ms)`, ours.steps?.[step]?.[p], theirs.steps?.[step]?.[p]);
    }
  }
  return out;
}

/**
 * The CPU ratio each scenario must keep against node-oidc-provider: 1.7× in `ping` (issue 15,
 * "Limits"), 1.5× elsewhere (issue 2).
 */
const CPU_RATIO_TARGET = { ping: 1.7 };

/** The issue's targets, checked against the medians. */
export function targetChecks(results) {
  const checks = [];
  for (const [key, modeSummary] of Object.entries(results.summary)) {
    const { mode } = results.config.scenarios[key];
    const ours = modeSummary.onboard;
    const theirs = modeSummary['oidc-provider'];
    if (ours && theirs) {
      // The median of the run pairs' ratios where there are pairs (see pairedRatios), else
      // the ratio of the two medians.
      const pairs = results.paired?.[key]?.flowsPerCpuSecond;
      const r = pairs?.median ?? ours.flowsPerCpuSecond / theirs.flowsPerCpuSecond;
      const floor = CPU_RATIO_TARGET[key] ?? 1.5;
      checks.push({
        target: `${key}: flows per CPU-second ≥ ${floor}× node-oidc-provider`,
        measured: pairs ? `${r.toFixed(2)}× (median of ${pairs.ratios.length} run pairs)` : `${r.toFixed(2)}×`,
        met: r >= floor,
      });
    }
    if (ours && mode === 'ping') {
      const p99 = ours.steps.approvalToToken.p99;
      checks.push({ target: `${key}: approval → token p99 < 20 ms`, measured: `${fmt(p99)} ms`, met: p99 < 20 });
    }
    if (ours && mode === 'poll') {
      const p99 = ours.steps.approvalToToken.p99;
      const bound = (ours.advertisedInterval ?? 5) * 1000;
      checks.push({
        target: `${key}: approval → token within the advertised interval (${bound / 1000} s)`,
        measured: `p99 ${fmt(p99)} ms`,
        met: p99 <= bound,
      });
    }
  }
  return checks;
}

/** One line naming a scenario's settings. */
function heading(results, key) {
  const scenario = results.config.scenarios[key];
  const think = scenario.thinkMs
    ? `owner approves after ${scenario.thinkMs / 2}–${(scenario.thinkMs * 3) / 2} ms`
    : 'owner approves at once';
  return `${key}: ${scenario.mode} mode, ${think}, ${scenario.flows} flows per run, concurrency ${results.config.concurrency}, median of ${scenario.repeats} run(s)`;
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

export function renderTable(results) {
  const parts = [];
  for (const [key, modeSummary] of Object.entries(results.summary)) {
    parts.push(
      `\n${heading(results, key)}\n` +
        table(
          ['', NAMES.onboard, NAMES['oidc-provider'], 'ours/theirs'],
          rows(modeSummary, results.config.scenarios[key].mode, results.paired?.[key]),
        ),
    );
  }
  const checks = targetChecks(results);
  if (checks.length) {
    parts.push(
      '\ntargets\n' +
        table(
          ['', 'measured', 'met'],
          checks.map((c) => [c.target, c.measured, c.met ? 'yes' : 'NO']),
        ),
    );
  }
  return parts.join('\n') + '\n';
}

/** Which load generator ran and how the processes were placed (results before these settings: the JavaScript one, unpinned). */
function setupLine(config) {
  const generator =
    config.loadGenerator === 'native' ? 'native (bench/native/loadgen.c)' : 'JavaScript (bench/load.mjs)';
  const pinning = config.pinning;
  const placed =
    pinning && !pinning.off
      ? `provider pinned to CPU ${pinning.provider}, load generator to CPU ${pinning.generator}`
      : `not pinned${pinning?.off ? ` (${pinning.off})` : ''}`;
  return `Load generator: ${generator}; ${placed}.`;
}

export function renderMarkdown(results) {
  const m = results.machine;
  const lines = [
    `Measured ${results.generatedAt.slice(0, 10)} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node.js ${m.node}, Linux ${m.kernel}; run took ${results.durationSeconds} s.`,
    '',
    setupLine(results.config),
    '',
  ];
  for (const [key, modeSummary] of Object.entries(results.summary)) {
    lines.push(
      `### ${heading(results, key)}`,
      '',
      `| | ${NAMES.onboard} | ${NAMES['oidc-provider']} | ours/theirs |`,
      '|---|---:|---:|---:|',
      ...rows(modeSummary, results.config.scenarios[key].mode, results.paired?.[key]).map(
        (r) => `| ${r.join(' | ')} |`,
      ),
      '',
    );
  }
  const checks = targetChecks(results);
  if (checks.length) {
    lines.push('### Targets', '', '| target | measured | met |', '|---|---:|:---:|');
    for (const c of checks) lines.push(`| ${c.target} | ${c.measured} | ${c.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  return lines.join('\n');
}
