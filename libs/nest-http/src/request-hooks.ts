import type { FastifyInstance } from 'fastify';
import { requestPath } from './wire';

/** One answered request, as {@link installRequestHooks} reports it. */
export interface AnsweredRequest {
  /** The route template that answered (`/owner-device/v1/requests/:id`), `unmatched` for none. */
  route: string;
  method: string;
  /** The path without its query (a query may carry a token). */
  path: string;
  status: number;
  /** Time from the request's arrival to the end of the response, in seconds. */
  seconds: number;
  /** The client went away before the response was complete. */
  aborted: boolean;
}

/** Options of {@link installRequestHooks}. */
export interface RequestHookOptions {
  /** Called once per request when its response ends: for the request log and the HTTP metrics. */
  answered(request: AnsweredRequest): void;
}

/**
 * What every request of an app reports, answered by a route, the exception filter or the
 * not-found handler alike: when its response ends, `answered` is told the route template (never
 * the raw path: ids in paths would explode the metric series), status and time.
 *
 * @example
 * installRequestHooks(fastify, { answered: (r) => metrics.httpRequest(r.route, r.method, r.status, r.seconds) });
 */
export function installRequestHooks(instance: FastifyInstance, options: RequestHookOptions): void {
  instance.addHook('onResponse', (request, reply, done) => {
    const raw = request.raw;
    options.answered({
      route: request.routeOptions.url ?? 'unmatched',
      method: raw.method ?? 'GET',
      path: requestPath(raw),
      status: reply.statusCode,
      seconds: reply.elapsedTime / 1000,
      aborted: !reply.raw.writableFinished,
    });
    done();
  });
}
