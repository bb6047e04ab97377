import type { Logger, PrometheusMetrics } from '@onboard/platform';
import { requestPath, type HttpRequest, type HttpResponse } from './wire';

/** The route template that answered ('unmatched' for the catch-all). */
export function routeLabel(req: HttpRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string' || path.startsWith('{*') || path.startsWith('/*') || path.startsWith('*')) {
    return 'unmatched';
  }
  return path;
}

/**
 * One JSON log line per request (method, path, status, ms; never headers, query
 * strings or bodies) and the HTTP request metrics, labelled by route template so ids
 * in paths do not explode the series. Call when the request starts; `route` names the
 * template once known (read when the response closes).
 */
export function logRequest(
  logger: Logger & { isEnabled?(level: 'info'): boolean },
  metrics: PrometheusMetrics,
  req: HttpRequest,
  res: HttpResponse,
  route: () => string = () => routeLabel(req),
): void {
  const started = performance.now();
  res.once('close', () => {
    const ms = Math.round((performance.now() - started) * 1000) / 1000;
    const method = req.method ?? 'GET';
    metrics.httpRequest(route(), method, res.statusCode, ms / 1000);
    // Skip building the line when info is off (the hot path of a busy provider).
    if (logger.isEnabled && !logger.isEnabled('info')) return;
    const aborted = !res.writableFinished;
    logger.info('request', {
      method,
      path: requestPath(req),
      status: res.statusCode,
      ms,
      ...(aborted ? { aborted } : {}),
    });
  });
}
