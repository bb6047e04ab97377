import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Latency buckets in seconds (Prometheus' base unit for time): sub-millisecond handlers up to
 * long polls.
 */
export const SECONDS_BUCKETS = [
  0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
] as const;

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Also export the Node process metrics (CPU, memory, event loop, GC). Default false. */
  processMetrics?: boolean;
  /** Metric name prefix (default `onboard_`). */
  prefix?: string;
  /**
   * Duration histograms the app observes with {@link PrometheusMetrics.observe}, by name (a
   * `_seconds` suffix, as Prometheus names units) → help text. E.g. the provider's
   * `{ approval_to_token_seconds: 'Time from owner approval to tokens delivered' }`.
   */
  durations?: Readonly<Record<`${string}_seconds`, string>>;
}

/**
 * One service instance's Prometheus metrics: the HTTP request series every app records, the
 * protocol outcome and limit counters, its duration histograms, and the registry for series
 * of its own. Each instance owns its registry, so several services can run in one process
 * (tests) without clashing. It satisfies the protocol cores' metrics ports structurally.
 */
export interface PrometheusMetrics {
  /** Record one HTTP request: `route` is the route template, never the raw path. */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** Count one protocol outcome, e.g. `('token', 'authorization_pending')`. */
  outcome(endpoint: string, outcome: string): void;
  /** Count one event of a guessing or flooding limit; both labels come from fixed sets. */
  limit(name: string, event: string): void;
  /** Observe a duration (seconds) on one of the `durations` histograms; other names are ignored. */
  observe(name: string, seconds: number): void;
  /** The registry (for extra app metrics). */
  readonly registry: Registry;
  /** The metric name prefix, for the app's own series. */
  readonly prefix: string;
  /** The exposition text and its content type, for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Create the metrics of one service instance.
 *
 * Exported series (with the default prefix `onboard_`):
 * - `http_requests_total{route,method,status}`, `http_request_duration_seconds{route,method}`;
 * - `outcomes_total{endpoint,outcome}` (e.g. token / authorization_pending);
 * - `limit_events_total{limit,event}`: the guessing and flooding limits (README, "Limits"):
 *   `event` is one of failure, locked, refused, unlocked;
 * - one histogram per entry of `durations`;
 * - with `processMetrics`, Node's process series (`process_cpu_user_seconds_total`, …).
 *
 * @example
 * const metrics = createPrometheusMetrics({ durations: { approval_to_token_seconds: 'Approval to tokens' } });
 * metrics.observe('approval_to_token_seconds', 0.012);
 * const { body } = await metrics.render();
 */
export function createPrometheusMetrics(options: PrometheusMetricsOptions = {}): PrometheusMetrics {
  const prefix = options.prefix ?? 'onboard_';
  const registry = new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix });

  const requests = new Counter({
    name: `${prefix}http_requests_total`,
    help: 'HTTP requests by route template, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const requestDuration = new Histogram({
    name: `${prefix}http_request_duration_seconds`,
    help: 'HTTP request latency in seconds by route template and method',
    labelNames: ['route', 'method'] as const,
    buckets: [...SECONDS_BUCKETS],
    registers: [registry],
  });
  const outcomes = new Counter({
    name: `${prefix}outcomes_total`,
    help: 'Protocol outcomes by endpoint and outcome (issued, authorization_pending, slow_down, …)',
    labelNames: ['endpoint', 'outcome'] as const,
    registers: [registry],
  });
  const limitEvents = new Counter({
    name: `${prefix}limit_events_total`,
    help: 'Guessing and flooding limits: wrong attempts (failure), keys locked, attempts refused, unlocks, by limit',
    labelNames: ['limit', 'event'] as const,
    registers: [registry],
  });
  const histograms = new Map<string, Histogram>();
  for (const [name, help] of Object.entries(options.durations ?? {})) {
    histograms.set(
      name,
      new Histogram({ name: `${prefix}${name}`, help, buckets: [...SECONDS_BUCKETS], registers: [registry] }),
    );
  }

  return {
    registry,
    prefix,
    outcome(endpoint, outcome) {
      outcomes.inc({ endpoint, outcome });
    },
    limit(name, event) {
      limitEvents.inc({ limit: name, event });
    },
    observe(name, seconds) {
      // Unknown names are ignored rather than thrown: metrics never fail a request.
      histograms.get(name)?.observe(seconds);
    },
    httpRequest(route, method, status, seconds) {
      requests.inc({ route, method, status: String(status) });
      requestDuration.observe({ route, method }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
