import type { Logger } from '@onboard/ciba-core';
import type { PrometheusMetrics } from '@onboard/observability';
import { requestPath, type HttpRequest, type HttpResponse } from './wire';

/** The route template that answered ('unmatched' for the catch-all). */
function routeLabel(req: HttpRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string' || path.startsWith('{*') || path.startsWith('/*') || path.startsWith('*')) {
    return 'unmatched';
  }
  return path;
}

/**
 * Express middleware: one JSON log line per request (method, path, status, ms;
 * never headers, query strings or bodies) and the HTTP request metrics, labelled
 * by route template so ids in paths do not explode the series.
 */
export function requestLogMiddleware(logger: Logger, metrics: PrometheusMetrics) {
  return (req: HttpRequest, res: HttpResponse, next: () => void): void => {
    const started = performance.now();
    res.once('close', () => {
      const ms = Math.round((performance.now() - started) * 1000) / 1000;
      const method = req.method ?? 'GET';
      const route = routeLabel(req);
      metrics.httpRequest(route, method, res.statusCode, ms);
      const aborted = !res.writableFinished;
      logger.info('request', {
        method,
        path: requestPath(req),
        status: res.statusCode,
        ms,
        ...(aborted ? { aborted } : {}),
      });
    });
    next();
  };
}
