/** The phases of a flow, named as in both reports. */
export const PHASES = ['acknowledged', 'owner_notified', 'approval_to_tokens', 'end_to_end'] as const;
export type Phase = (typeof PHASES)[number];

/** How a flow ended, named as in both reports. */
export const OUTCOMES = ['approved', 'denied', 'expired', 'cancelled', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface PhaseSummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** One second of the run. */
export interface TimelinePoint {
  /** Seconds since the flows started. */
  t: number;
  started: number;
  completed: number;
  inFlight: number;
  connected: number;
  outcomes: Record<Outcome, number>;
}

/** The value at quantile `q` of sorted `values` (nearest rank); 0 when empty. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function summarise(values: readonly number[]): PhaseSummary {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    count: sorted.length,
    p50: round(quantile(sorted, 0.5)),
    p90: round(quantile(sorted, 0.9)),
    p99: round(quantile(sorted, 0.99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0),
  };
}

/** Counts and latencies of a run, as they come in. */
export class Recorder {
  readonly samples: Record<Phase, number[]> = {
    acknowledged: [],
    owner_notified: [],
    approval_to_tokens: [],
    end_to_end: [],
  };
  readonly outcomes: Record<Outcome, number> = { approved: 0, denied: 0, expired: 0, cancelled: 0, failed: 0 };
  /** Failed flows by reason (the device client's error code, or what went wrong). */
  readonly failureReasons: Record<string, number> = {};
  /** The first message seen for each failure reason (device client messages carry no secrets). */
  readonly failureExamples: Record<string, string> = {};
  /** Flows that ended as the scenario asked. */
  asExpected = 0;
  /** Approved flows by the `acr` claim of their ID token (`none`: no acr claim). */
  readonly idTokenAcr: Record<string, number> = {};
  started = 0;
  readonly refresh = { samples: [] as number[], failed: 0, failureReasons: {} as Record<string, number> };
  readonly reconnects = { storms: 0, dropped: 0 };
  readonly timeline: TimelinePoint[] = [];
  private completedInWindow = 0;

  get completed(): number {
    return Object.values(this.outcomes).reduce((a, b) => a + b, 0);
  }

  get inFlight(): number {
    return this.started - this.completed;
  }

  phase(name: Phase, ms: number): void {
    this.samples[name].push(ms);
  }

  flowStarted(): void {
    this.started++;
  }

  flowEnded(outcome: Outcome, expected: Outcome, reason?: string, message?: string): void {
    this.outcomes[outcome]++;
    if (outcome === expected) this.asExpected++;
    if (outcome === 'failed') {
      const key = reason ?? 'unknown';
      this.failureReasons[key] = (this.failureReasons[key] ?? 0) + 1;
      if (message !== undefined && !(key in this.failureExamples)) this.failureExamples[key] = message.slice(0, 300);
    }
    this.completedInWindow++;
  }

  /** Counts the assurance an approval's ID token states. */
  approvedWithAcr(acr: unknown): void {
    const key = typeof acr === 'string' ? acr : 'none';
    this.idTokenAcr[key] = (this.idTokenAcr[key] ?? 0) + 1;
  }

  refreshed(ms: number | undefined, reason?: string): void {
    if (ms !== undefined) this.refresh.samples.push(ms);
    else {
      this.refresh.failed++;
      this.refresh.failureReasons[reason ?? 'unknown'] = (this.refresh.failureReasons[reason ?? 'unknown'] ?? 0) + 1;
    }
  }

  /** Takes the timeline point for second `t`. */
  tick(t: number, connected: number): TimelinePoint {
    const point: TimelinePoint = {
      t,
      started: this.started,
      completed: this.completedInWindow,
      inFlight: this.inFlight,
      connected,
      outcomes: { ...this.outcomes },
    };
    this.completedInWindow = 0;
    this.timeline.push(point);
    return point;
  }

  /** Quantiles of a phase so far (for the live display). */
  current(name: Phase): PhaseSummary {
    return summarise(this.samples[name]);
  }
}
