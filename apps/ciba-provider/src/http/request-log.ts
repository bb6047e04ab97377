import type { AnsweredRequest } from '@onboard/nest-http';
import type { Logger, PrometheusMetrics } from '@onboard/platform';

/**
 * One JSON log line per request (method, path, status, ms; never headers, query strings or
 * bodies) and the HTTP request metrics, labelled by route template so ids in paths do not
 * explode the series. The line is not built when info is off (a busy provider's hot path).
 */
export function requestLog(
  logger: Logger & { isEnabled?(level: 'info'): boolean },
  metrics: PrometheusMetrics,
): (request: AnsweredRequest) => void {
  return ({ route, method, path, status, seconds, aborted }) => {
    metrics.httpRequest(route, method, status, seconds);
    if (logger.isEnabled && !logger.isEnabled('info')) return;
    const ms = Math.round(seconds * 1_000_000) / 1000;
    logger.info('request', { method, path, status, ms, ...(aborted ? { aborted } : {}) });
  };
}
