import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, renderApiError, type Logger } from '@onboard/platform';
import type { RouteMethods } from './route-methods';
import { requestPath, sendWire } from './wire';

/**
 * The app's own errors for what the framework detects before a route runs: each app answers
 * these in its own vocabulary (the provider with OAuth's codes, RFC 6749 §5.2).
 */
export interface FrameworkErrors {
  /** No route has this path. */
  notFound(): ApiError;
  /** The path exists, with other methods (`allow` lists them, for the `Allow` header). */
  methodNotAllowed(allow: readonly string[]): ApiError;
  /** The body is larger than the app accepts (Fastify's body limit). */
  payloadTooLarge(): ApiError;
  /** Any other request the framework refused (malformed URL, bad Content-Length…). */
  badRequest(): ApiError;
}

/** Options of {@link HttpErrorFilter}. */
export interface HttpErrorFilterOptions {
  logger: Logger;
  errors: FrameworkErrors;
  /** The registered routes, to answer 405 with `Allow` instead of 404 on a known path. */
  routes?: RouteMethods;
}

/** A Fastify error (`FST_ERR_…`) carries the HTTP status it stands for. */
function statusOf(error: unknown): number | undefined {
  if (error instanceof HttpException) return error.getStatus();
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' && (error as { code?: unknown }).code !== undefined ? status : undefined;
}

/**
 * The one exception filter of an HTTP app: whatever escapes a route, a guard, the body parser
 * or the router is answered `{error, error_description}` with `Cache-Control: no-store` by the
 * platform's renderer ({@link renderApiError}), never with Nest's or Fastify's default error
 * body. An {@link ApiError} keeps its status, code and headers; what the framework throws
 * (no route, wrong method, body too large, malformed request) becomes the app's own error
 * ({@link FrameworkErrors}); anything else is `server_error` with a logged error id.
 *
 * @example
 * providers: [{ provide: APP_FILTER, useFactory: () => new HttpErrorFilter({ logger, errors, routes }) }]
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  constructor(private readonly options: HttpErrorFilterOptions) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const error = this.translate(exception, request);
    if (reply.sent || reply.raw.headersSent) {
      this.options.logger.error('error after the response started', { errorName: (error as Error)?.name });
      reply.raw.destroy();
      return;
    }
    sendWire(reply, renderApiError(error, this.options.logger));
  }

  private translate(exception: unknown, request: FastifyRequest): unknown {
    if (exception instanceof ApiError) return exception;
    const status = statusOf(exception);
    if (status === undefined || status >= 500) return exception;
    const { errors, routes } = this.options;
    if (status === 404) {
      const allow = routes?.allowed(requestPath(request.raw));
      return allow ? errors.methodNotAllowed(allow) : errors.notFound();
    }
    if (status === 405) return errors.methodNotAllowed(routes?.allowed(requestPath(request.raw)) ?? []);
    if (status === 413) return errors.payloadTooLarge();
    return errors.badRequest();
  }
}
