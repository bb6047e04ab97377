import type { Outcome, Phase, PhaseSummary } from './recorder';
import type { Scenario } from './scenario';

/** The result of one pipeline check, as the reports show it. */
export interface CheckResult {
  check: string;
  passed: boolean;
  actual: string;
}

export const REPORT_FORMAT = 'onboard-device-sim/report@1';
/** Upper bounds of the latency histogram's buckets, ms (the last bucket is open). */
export const HISTOGRAM_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 60_000];

/** report.json (its JSON Schema: device-sim/report.schema.json). Times in milliseconds. */
export interface SimReport {
  format: typeof REPORT_FORMAT;
  generated_at: string;
  started_at: string;
  duration_ms: number;
  connect_ms: number;
  target: { kind: 'embedded' | 'remote'; provider_url: string; mqtt_url: string };
  owner_path: string;
  scenario: Scenario;
  run: {
    cars: number;
    owners: number;
    concurrency: number;
    ramp_up_ms: number;
    count: number | null;
    duration_ms: number | null;
    seed: number;
  };
  flows: number;
  /** Flows that ended as the scenario asked, and their share of all flows. */
  as_expected: number;
  success_rate: number;
  outcomes: Record<Outcome, number>;
  failure_reasons: Record<string, number>;
  /** The first message of each failure reason. */
  failure_examples: Record<string, string>;
  /** Approved flows by the `acr` claim of their ID token (`none`: no acr claim). */
  id_token_acr: Record<string, number>;
  phases: Record<Phase, PhaseSummary>;
  histograms: Record<Phase, number[]>;
  histogram_bounds_ms: number[];
  refresh: PhaseSummary & { failed: number; failure_reasons: Record<string, number> };
  reconnects: { storms: number; dropped: number };
  throughput_per_second: number;
  timeline: Array<{
    t: number;
    started: number;
    completed: number;
    in_flight: number;
    connected: number;
    outcomes: Record<Outcome, number>;
  }>;
  machine: {
    platform: string;
    release: string;
    arch: string;
    cpu: string;
    cpus: number;
    memory_bytes: number;
    node: string;
    simulator_peak_rss_bytes: number;
  };
  checks: CheckResult[];
}
