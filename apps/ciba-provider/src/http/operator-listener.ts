import type { IncomingMessage, ServerResponse } from 'node:http';
import { NotFound, PATHS, renderHttpError } from '@onboard/ciba-core';
import type { Logger, AppLogger, PrometheusMetrics } from '@onboard/platform';
import { isOperatorPath } from './operator-paths';
import { securityHeaderSetter } from './protocol-listener';
import { logRequest } from './request-log';
import { requestPath, sendWireResponse, type HttpRequest } from './wire';

/** What the operator listener needs. */
export interface OperatorListenerOptions {
  issuer: string;
  logger: AppLogger & Logger;
  metrics: PrometheusMetrics;
  /** The Nest (Express) app, which serves the admin API, /metrics and /health. */
  fallback: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * The request listener of the operator port (ADMIN_PORT): the admin API, /metrics and
 * /health, served by the same Nest routes as on the main listener; anything else is 404,
 * so that no protocol endpoint is reachable on the private port by mistake.
 */
export function createOperatorListener(options: OperatorListenerOptions) {
  const { logger, metrics, fallback } = options;
  const secure = securityHeaderSetter(options.issuer);
  return (req: IncomingMessage, res: ServerResponse): void => {
    const httpReq = req as HttpRequest;
    secure(res);
    const path = requestPath(httpReq);
    if (isOperatorPath(path) || path === PATHS.health) {
      logRequest(logger, metrics, httpReq, res);
      fallback(req, res);
      return;
    }
    logRequest(logger, metrics, httpReq, res, () => 'unmatched');
    sendWireResponse(res, renderHttpError(new NotFound('no such endpoint'), logger));
  };
}
