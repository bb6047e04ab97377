import { createHash, timingSafeEqual } from 'node:crypto';
import type { PrometheusMetrics } from './prometheus-metrics';

/** What a metrics endpoint answers: a status, headers and the body. */
export interface MetricsResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * The answer of `GET /metrics`: the Prometheus text exposition, or, when `token` is set
 * (METRICS_TOKEN, BRIDGE_METRICS_TOKEN) and `authorization` is not `Bearer <token>`, 401
 * with `WWW-Authenticate` (RFC 6750 §3). Compared in constant time.
 *
 * @example
 * const res = await metricsResponse(metrics, { authorization: req.headers.authorization, token });
 */
export async function metricsResponse(
  metrics: PrometheusMetrics,
  options: { authorization?: string; token?: string },
): Promise<MetricsResponse> {
  if (options.token !== undefined) {
    const match = /^Bearer ([^\s]+)$/i.exec(options.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]), digest(options.token))) {
      return {
        status: 401,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'cache-control': 'no-store',
          'www-authenticate': match ? 'Bearer realm="metrics", error="invalid_token"' : 'Bearer realm="metrics"',
        },
        body: JSON.stringify({ error: 'invalid_token', error_description: 'metrics credential required' }),
      };
    }
  }
  const { contentType, body } = await metrics.render();
  return { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body };
}
