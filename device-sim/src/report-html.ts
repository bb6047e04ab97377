import type { SimReport } from './report-model';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** JSON safe inside a <script> element (no `</script>`, no `<!--`). */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

/**
 * report.html: one file with everything inlined (uPlot's script and style, the data), so it opens
 * from a CI artefact or an e-mail without a network. Charts: a latency histogram per phase,
 * throughput and in-flight over time, connected cars, outcomes over time. `<body data-charts>`
 * counts the charts drawn once the script has run.
 */
export function renderHtmlReport(report: SimReport, assets: { uplotJs: string; uplotCss: string }): string {
  const row = (cells: Array<string | number>, tag = 'td') =>
    `<tr>${cells.map((c) => `<${tag}>${escapeHtml(String(c))}</${tag}>`).join('')}</tr>`;
  const phases = Object.entries(report.phases)
    .map(([name, s]) => row([name, s.count, s.p50, s.p90, s.p99, s.max]))
    .join('');
  const outcomes = Object.entries(report.outcomes)
    .map(([name, n]) => row([name, n, report.flows ? `${((n / report.flows) * 100).toFixed(1)} %` : '–']))
    .join('');
  const reasons = Object.entries(report.failure_reasons)
    .map(([reason, n]) => row([reason, n, report.failure_examples[reason] ?? '']))
    .join('');
  const checks = report.checks.map((c) => row([c.passed ? 'passed' : 'FAILED', c.check, c.actual])).join('');
  const title = `device-sim report: ${report.scenario.name}, ${report.flows} flows`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${assets.uplotCss}</style>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1d2330; max-width: 1100px; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { border: 1px solid #ccd; padding: 3px 10px; text-align: right; }
td:first-child, th:first-child { text-align: left; }
.grid { display: flex; flex-wrap: wrap; gap: 16px; } .chart { border: 1px solid #e3e6ee; padding: 6px; }
.meta { color: #556; } .failed { color: #b00020; font-weight: bold; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(`${report.started_at} · ${(report.duration_ms / 1000).toFixed(1)} s · ${report.run.cars} cars, ${report.run.owners} owners, concurrency ${report.run.concurrency} · target ${report.target.kind} (${report.target.provider_url}) · owners on the ${report.owner_path} path · ${report.machine.cpus} × ${report.machine.cpu}, Node ${report.machine.node}`)}</p>
<p>Success rate (flows that ended as the scenario asked): <strong>${(report.success_rate * 100).toFixed(2)} %</strong> · ${report.throughput_per_second} flows/s</p>
${checks ? `<h2>Checks</h2><table>${row(['result', 'check', 'measured'], 'th')}${checks}</table>` : ''}
<h2>Outcomes</h2>
<table>${row(['outcome', 'flows', 'share'], 'th')}${outcomes}</table>
${reasons ? `<h2>Failure reasons</h2><table>${row(['reason', 'flows', 'first message'], 'th')}${reasons}</table>` : ''}
<h2>Phases (ms)</h2>
<table>${row(['phase', 'count', 'p50', 'p90', 'p99', 'max'], 'th')}${phases}</table>
<h2>Latency histograms</h2>
<div class="grid" id="histograms"></div>
<h2>Over time</h2>
<div class="grid" id="timeline"></div>
<h2>Scenario</h2>
<pre>${escapeHtml(JSON.stringify(report.scenario, null, 2))}</pre>
<script>${assets.uplotJs}</script>
<script>
(function () {
  var report = ${scriptJson(report)};
  var drawn = 0;
  var width = 520, height = 240;
  function chart(parent, title, series, data, opts) {
    var div = document.createElement('div');
    div.className = 'chart';
    parent.appendChild(div);
    new uPlot(Object.assign({ title: title, width: width, height: height, series: series }, opts || {}), data, div);
    drawn++;
  }
  var bounds = report.histogram_bounds_ms;
  var labels = bounds.map(function (b) { return '≤' + b; }).concat(['>' + bounds[bounds.length - 1]]);
  var xs = labels.map(function (_, i) { return i; });
  Object.keys(report.histograms).forEach(function (phase) {
    chart(document.getElementById('histograms'), phase + ' (flows per latency bucket, ms)',
      [{}, { label: 'flows', stroke: '#3b6fd8', fill: 'rgba(59,111,216,0.35)', paths: uPlot.paths.bars({ size: [0.8] }) }],
      [xs, report.histograms[phase]],
      { scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
        axes: [{ values: function (u, splits) { return splits.map(function (i) { return labels[i] || ''; }); }, space: 30 }, {}] });
  });
  var tl = report.timeline;
  var t = tl.map(function (p) { return p.t; });
  chart(document.getElementById('timeline'), 'Throughput and in flight',
    [{ label: 's' }, { label: 'completed/s', stroke: '#1a7f37' }, { label: 'in flight', stroke: '#d1242f' }],
    [t, tl.map(function (p) { return p.completed; }), tl.map(function (p) { return p.in_flight; })],
    { scales: { x: { time: false } } });
  chart(document.getElementById('timeline'), 'Connected cars',
    [{ label: 's' }, { label: 'connected', stroke: '#8250df' }],
    [t, tl.map(function (p) { return p.connected; })],
    { scales: { x: { time: false } } });
  var colours = { approved: '#1a7f37', denied: '#bf8700', expired: '#6e7781', cancelled: '#0969da', failed: '#d1242f' };
  var names = Object.keys(colours);
  chart(document.getElementById('timeline'), 'Outcomes (cumulative)',
    [{ label: 's' }].concat(names.map(function (n) { return { label: n, stroke: colours[n] }; })),
    [t].concat(names.map(function (n) { return tl.map(function (p) { return p.outcomes[n]; }); })),
    { scales: { x: { time: false } } });
  document.body.setAttribute('data-charts', String(drawn));
})();
</script>
</body>
</html>
`;
}
