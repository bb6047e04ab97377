import { Counter, Gauge } from 'prom-client';
import { createPrometheusMetrics, metricsResponse, type PrometheusMetrics } from '@onboard/platform';
import type { BridgeMetricsSnapshot } from '../broker/bridge-metrics';
import { json, type BridgeHttpServer } from './http-server';

/** What the bridge's Prometheus exporter reads at each scrape. */
export interface BridgeMetricsSources {
  /** The broker's counters. */
  snapshot(): BridgeMetricsSnapshot;
  /** Devices connected right now (embedded broker), or 0. */
  connectedDevices(): number;
}

/**
 * The bridge's Prometheus metrics: the HTTP series of `@onboard/platform` (prefix
 * `onboard_bridge_`) plus the broker's counters, read from a snapshot at scrape time:
 * `connect_refusals_total{reason}`, `acl_refusals_total{operation,decision}`,
 * `dropped_messages_total{reason}`, `handled_messages_total{type,outcome}`,
 * `connection_rate_limited_total`, `oversized_packets_total`, `connected_devices`.
 *
 * @example
 * const metrics = createBridgeMetrics({ snapshot: () => bridgeMetrics.snapshot(), connectedDevices: () => 0 });
 * const { body } = await metrics.render();
 */
export function createBridgeMetrics(sources: BridgeMetricsSources, processMetrics = false): PrometheusMetrics {
  const metrics = createPrometheusMetrics({ prefix: 'onboard_bridge_', processMetrics });
  const registers = [metrics.registry];
  const fromSnapshot = (
    name: string,
    help: string,
    labelNames: string[],
    read: (s: BridgeMetricsSnapshot) => Array<[Record<string, string>, number]>,
  ) =>
    new Counter({
      name: `onboard_bridge_${name}`,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const [labels, value] of read(sources.snapshot())) if (value > 0) this.inc(labels, value);
      },
    });
  const split = (record: Record<string, number>, names: [string, string]) =>
    Object.entries(record).map(([key, value]): [Record<string, string>, number] => {
      const at = key.indexOf(':');
      return [{ [names[0]]: key.slice(0, at), [names[1]]: key.slice(at + 1) }, value];
    });
  const single = (record: Record<string, number>, name: string) =>
    Object.entries(record).map(([key, value]): [Record<string, string>, number] => [{ [name]: key }, value]);

  fromSnapshot('connect_refusals_total', 'MQTT CONNECTs refused, by reason', ['reason'], (s) =>
    single(s.connectRefusals, 'reason'),
  );
  fromSnapshot('acl_refusals_total', 'Topic ACL refusals by operation and decision', ['operation', 'decision'], (s) =>
    split(s.aclRefusals, ['operation', 'decision']),
  );
  fromSnapshot('dropped_messages_total', 'Device messages dropped without an answer, by reason', ['reason'], (s) =>
    single(s.drops, 'reason'),
  );
  fromSnapshot('handled_messages_total', 'Device messages answered, by type and outcome', ['type', 'outcome'], (s) =>
    split(s.handled, ['type', 'outcome']),
  );
  fromSnapshot('connection_rate_limited_total', 'Connections closed by the connection rate limits', [], (s) => [
    [{}, s.connectionRateLimited],
  ]);
  fromSnapshot('oversized_packets_total', 'Connections closed for an oversized MQTT packet', [], (s) => [
    [{}, s.oversizedPackets],
  ]);
  new Gauge({
    name: 'onboard_bridge_connected_devices',
    help: 'Devices connected to the embedded broker',
    registers,
    collect() {
      this.set(sources.connectedDevices());
    },
  });
  return metrics;
}

/** A readiness check of one part of the bridge. */
export type HealthCheck = () => Promise<boolean> | boolean;

/**
 * Registers `GET /health` (200 `{status: "ok"}` when every check passes, else 503 naming the
 * failing checks) and `GET /metrics` (Prometheus text exposition, behind `metricsToken` when
 * set) on the bridge's HTTP listener.
 */
export function registerOpsRoutes(
  http: BridgeHttpServer,
  metrics: PrometheusMetrics,
  checks: Record<string, HealthCheck> = {},
  metricsToken?: string,
): void {
  registerHealthRoute(http, checks);
  registerMetricsRoute(http, metrics, metricsToken);
}

/** `GET /metrics`: the Prometheus text exposition; with `token`, only for `Bearer <token>`. */
export function registerMetricsRoute(http: BridgeHttpServer, metrics: PrometheusMetrics, token?: string): void {
  http.route('GET', '/metrics', (req) => metricsResponse(metrics, { authorization: req.headers.authorization, token }));
}

/** `GET /health`: 200 `{status: "ok"}` when every check passes, else 503 naming the failing checks. */
export function registerHealthRoute(http: BridgeHttpServer, checks: Record<string, HealthCheck> = {}): void {
  http.route('GET', '/health', async () => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await Promise.resolve(check()).catch(() => false)]),
    );
    const failing = results.filter(([, ok]) => !ok).map(([name]) => name as string);
    return failing.length === 0 ? json(200, { status: 'ok' }) : json(503, { status: 'unavailable', failing });
  });
}
