import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem, platform, arch, release } from 'node:os';
import { join } from 'node:path';
import { OUTCOMES, PHASES, summarise, type Phase, type PhaseSummary } from './recorder';
import { renderHtmlReport } from './report-html';
import { HISTOGRAM_BOUNDS_MS, REPORT_FORMAT, type SimReport } from './report-model';
import type { RunResult } from './run';
import type { Scenario } from './scenario';

export interface ReportInput {
  result: RunResult;
  scenario: Scenario;
  target: { kind: 'embedded' | 'remote'; providerUrl: string; mqttUrl: string };
  ownerPath: string;
  owners: number;
  concurrency: number;
  rampUpMs: number;
  count?: number;
  durationMs?: number;
  seed: number;
  peakRssBytes: number;
}

function histogram(values: readonly number[]): number[] {
  const counts = new Array<number>(HISTOGRAM_BOUNDS_MS.length + 1).fill(0);
  for (const value of values) {
    const index = HISTOGRAM_BOUNDS_MS.findIndex((bound) => value <= bound);
    counts[index === -1 ? HISTOGRAM_BOUNDS_MS.length : index]++;
  }
  return counts;
}

/** The report of a finished run (checks are added by the caller once evaluated). */
export function buildReport(input: ReportInput): SimReport {
  const { recorder } = input.result;
  const flows = recorder.completed;
  const cpuList = cpus();
  return {
    format: REPORT_FORMAT,
    generated_at: new Date().toISOString(),
    started_at: input.result.startedAt.toISOString(),
    duration_ms: input.result.durationMs,
    connect_ms: input.result.connectMs,
    target: { kind: input.target.kind, provider_url: input.target.providerUrl, mqtt_url: input.target.mqttUrl },
    owner_path: input.ownerPath,
    scenario: input.scenario,
    run: {
      cars: input.result.cars,
      owners: input.owners,
      concurrency: input.concurrency,
      ramp_up_ms: input.rampUpMs,
      count: input.count ?? null,
      duration_ms: input.durationMs ?? null,
      seed: input.seed,
    },
    flows,
    as_expected: recorder.asExpected,
    success_rate: flows > 0 ? recorder.asExpected / flows : 0,
    outcomes: { ...recorder.outcomes },
    failure_reasons: { ...recorder.failureReasons },
    failure_examples: { ...recorder.failureExamples },
    id_token_acr: { ...recorder.idTokenAcr },
    phases: Object.fromEntries(PHASES.map((phase) => [phase, summarise(recorder.samples[phase])])) as Record<
      Phase,
      PhaseSummary
    >,
    histograms: Object.fromEntries(PHASES.map((phase) => [phase, histogram(recorder.samples[phase])])) as Record<
      Phase,
      number[]
    >,
    histogram_bounds_ms: HISTOGRAM_BOUNDS_MS,
    refresh: {
      ...summarise(recorder.refresh.samples),
      failed: recorder.refresh.failed,
      failure_reasons: { ...recorder.refresh.failureReasons },
    },
    reconnects: { ...recorder.reconnects },
    throughput_per_second:
      input.result.durationMs > 0 ? Math.round((flows / input.result.durationMs) * 1000 * 100) / 100 : 0,
    timeline: recorder.timeline.map((p) => ({
      t: p.t,
      started: p.started,
      completed: p.completed,
      in_flight: p.inFlight,
      connected: p.connected,
      outcomes: p.outcomes,
    })),
    machine: {
      platform: platform(),
      release: release(),
      arch: arch(),
      cpu: cpuList[0]?.model ?? 'unknown',
      cpus: cpuList.length,
      memory_bytes: totalmem(),
      node: process.version,
      simulator_peak_rss_bytes: input.peakRssBytes,
    },
    checks: [],
  };
}

/** Writes report.json and the self-contained report.html into `dir`; returns their paths. */
export async function writeReports(dir: string, report: SimReport): Promise<{ json: string; html: string }> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await writeFile(json, JSON.stringify(report, null, 2) + '\n');
  const [uplotJs, uplotCss] = await Promise.all([
    readFile(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  ]);
  await writeFile(html, renderHtmlReport(report, { uplotJs, uplotCss }));
  return { json, html };
}

export { OUTCOMES, PHASES, REPORT_FORMAT, type SimReport };
