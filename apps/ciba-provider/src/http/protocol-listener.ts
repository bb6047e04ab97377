import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  InvalidRequest,
  NotFound,
  TemporarilyUnavailable,
  renderHttpError,
  type ProviderContext,
} from '@onboard/ciba-core';
import { securityHeaders, type AppLogger, type PrometheusMetrics } from '@onboard/platform';
import { MalformedPathParameter, ProtocolRouter, type RouteMatch } from './protocol-routes';
import { IntakeGate } from './admission';
import { isOperatorPath } from './operator-paths';
import { logRequest } from './request-log';
import { requestPath, sendWireResponse, toWireRequest, type HttpRequest } from './wire';

/** What the listener needs: the context, logging and metrics, and where other requests go. */
export interface ProtocolListenerOptions {
  ctx: ProviderContext;
  logger: AppLogger;
  metrics: PrometheusMetrics;
  /** The Nest (Express) app: admin API, health, metrics, OpenAPI and the 404/405 fallback. */
  fallback: (req: IncomingMessage, res: ServerResponse) => void;
  router?: ProtocolRouter;
  /** Admission of intake requests (backchannel, registration) under load. */
  intake?: IntakeGate;
  /**
   * The admin API and /metrics are served by a listener of their own (ADMIN_PORT): here
   * they answer 404, as if they did not exist.
   */
  operatorRoutesElsewhere?: boolean;
}

/** The security headers of every response, set before any route answers (its own headers win). */
export function securityHeaderSetter(issuer: string): (res: ServerResponse) => void {
  const headers = Object.entries(securityHeaders({ https: issuer.startsWith('https:') }));
  return (res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
}

/**
 * The HTTP server's request listener. Protocol endpoints (PROTOCOL_ROUTES) are served
 * here directly: raw body, WireRequest, core handler, WireResponse, with errors
 * rendered by the core's renderer exactly as the Nest exception filter renders them.
 * Every other request goes to the Nest app. Each request is logged and counted once, and
 * every response carries the security headers (nosniff, no-referrer, a CSP for an API,
 * DENY framing, no-store unless the route says otherwise, HSTS for an https issuer).
 *
 * Measured with `npm run bench:provider`: Nest's router, guards/filters pipeline and
 * Express's middleware chain cost about 0.1 ms of CPU per request, several times per
 * CIBA flow; served here they cost next to nothing.
 *
 * Intake routes (new work: backchannel authentication, registration) pass the
 * {@link IntakeGate} first, once their body is read: under load, flows already started
 * (approvals, token requests) are served ahead of new ones.
 */
export function createProtocolListener(options: ProtocolListenerOptions) {
  const { ctx, logger, metrics, fallback } = options;
  const router = options.router ?? new ProtocolRouter();
  const intake = options.intake ?? new IntakeGate({ limit: 4, maxQueue: 10_000 });
  const secure = securityHeaderSetter(ctx.settings.issuer);

  const serve = async (req: HttpRequest, res: ServerResponse, match: RouteMatch): Promise<void> => {
    let release: (() => void) | undefined;
    const finished = match.route.finishing ? intake.finishing() : undefined;
    try {
      const wire = await toWireRequest(req, ctx.settings.issuer);
      if (match.route.intake) {
        release = intake.tryEnter();
        if (!release) {
          if (intake.full) throw new TemporarilyUnavailable('too many requests waiting; retry shortly');
          release = await intake.wait();
          // A client that gave up while its request waited gets no work done for it.
          if (res.destroyed || req.socket.destroyed) return;
        }
      }
      sendWireResponse(res, await match.route.handle(ctx, wire, match.params));
    } catch (error) {
      if (res.headersSent) {
        logger.error('error after the response started', { errorName: (error as Error)?.name });
        res.destroy();
        return;
      }
      sendWireResponse(res, renderHttpError(error, logger));
    } finally {
      release?.();
      finished?.();
    }
  };

  return (req: IncomingMessage, res: ServerResponse): void => {
    const httpReq = req as HttpRequest;
    secure(res);
    let match: RouteMatch | undefined;
    const path = requestPath(httpReq);
    if (options.operatorRoutesElsewhere && isOperatorPath(path)) {
      logRequest(logger, metrics, httpReq, res, () => 'unmatched');
      sendWireResponse(res, renderHttpError(new NotFound('no such endpoint'), logger));
      return;
    }
    try {
      match = router.match(req.method ?? 'GET', path);
    } catch (error) {
      if (!(error instanceof MalformedPathParameter)) throw error;
      logRequest(logger, metrics, httpReq, res, () => 'unmatched');
      sendWireResponse(res, renderHttpError(new InvalidRequest('request could not be processed'), logger));
      return;
    }
    if (!match) {
      logRequest(logger, metrics, httpReq, res);
      fallback(req, res);
      return;
    }
    const template = match.route.path;
    logRequest(logger, metrics, httpReq, res, () => template);
    void serve(httpReq, res, match);
  };
}
