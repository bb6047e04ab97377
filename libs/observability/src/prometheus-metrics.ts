import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '@onboard/ciba-core';

/** Latency buckets in milliseconds: sub-millisecond handlers up to long polls. */
const MS_BUCKETS = [0.5, 1, 2, 5, 10, 20, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000];

/** Options of {@link createPrometheusMetrics}. */
export interface PrometheusMetricsOptions {
  /** Also export the Node process metrics (CPU, memory, event loop, GC). Default false. */
  processMetrics?: boolean;
  /** Metric name prefix (default `onboard_`). */
  prefix?: string;
}

/**
 * The core's {@link Metrics} port bound to Prometheus, plus the HTTP request
 * metrics the app records. Each instance owns its own registry, so several
 * providers can run in one process (tests) without clashing.
 */
export interface PrometheusMetrics extends Metrics {
  /** Record one HTTP request: `route` is the route template, never the raw path. */
  httpRequest(route: string, method: string, status: number, ms: number): void;
  /** The registry (for extra app metrics). */
  readonly registry: Registry;
  /** The exposition text and its content type, for GET /metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

/**
 * Create the metrics of one provider instance.
 *
 * Exported series (with the default prefix `onboard_`):
 * - `http_requests_total{route,method,status}`, `http_request_duration_ms{route,method}`;
 * - `outcomes_total{endpoint,outcome}` (e.g. token / authorization_pending);
 * - `approval_to_token_ms`, `notification_delivery_ms` histograms;
 * - `limit_events_total{limit,event}`: the guessing and flooding limits (README, "Limits"):
 *   `limit` is one of LIMIT_NAMES, `event` one of failure, locked, refused, unlocked.
 *
 * @example
 * const metrics = createPrometheusMetrics();
 * metrics.outcome('token', 'issued');
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
    name: `${prefix}http_request_duration_ms`,
    help: 'HTTP request latency in milliseconds by route template and method',
    labelNames: ['route', 'method'] as const,
    buckets: MS_BUCKETS,
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
  const histograms = {
    approval_to_token_ms: new Histogram({
      name: `${prefix}approval_to_token_ms`,
      help: 'Time from owner approval to tokens delivered to the client (token response or push), ms',
      buckets: MS_BUCKETS,
      registers: [registry],
    }),
    notification_delivery_ms: new Histogram({
      name: `${prefix}notification_delivery_ms`,
      help: 'Time from enqueueing a ping/push notification to its successful delivery, ms',
      buckets: MS_BUCKETS,
      registers: [registry],
    }),
  };

  return {
    registry,
    outcome(endpoint, outcome) {
      outcomes.inc({ endpoint, outcome });
    },
    limit(name, event) {
      limitEvents.inc({ limit: name, event });
    },
    observe(name, ms) {
      // Unknown names are ignored rather than thrown: metrics never fail a request.
      histograms[name]?.observe(ms);
    },
    httpRequest(route, method, status, ms) {
      requests.inc({ route, method, status: String(status) });
      requestDuration.observe({ route, method }, ms);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
