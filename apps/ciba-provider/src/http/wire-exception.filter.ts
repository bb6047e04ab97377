import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import {
  InvalidRequest,
  MethodNotAllowed,
  NotFound,
  OAuthError,
  PayloadTooLarge,
  renderHttpError,
} from '@onboard/ciba-core';
import type { Logger } from '@onboard/platform';
import { PROVIDER_LOGGER } from '../providers/tokens';
import { sendWireResponse, type HttpResponse } from './wire';

/** Translate what Nest itself throws (route not found, …) into the core's error classes. */
function fromNest(error: HttpException): OAuthError {
  const status = error.getStatus();
  switch (status) {
    case 404:
      return new NotFound('no such endpoint');
    case 405:
      return new MethodNotAllowed('method not allowed');
    case 413:
      return new PayloadTooLarge('request body too large');
    default:
      if (status >= 400 && status < 500) return new InvalidRequest('request could not be processed');
      throw error;
  }
}

/**
 * The one global exception filter: whatever escapes a controller or the adapter is
 * rendered by the core's HTTP renderer (RFC 6749 §5.2 body, no-store), never with
 * Nest's default error body. Unexpected errors become `server_error` with a logged id.
 */
@Catch()
export class WireExceptionFilter implements ExceptionFilter {
  constructor(@Inject(PROVIDER_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    let error = exception;
    if (exception instanceof HttpException) {
      try {
        error = fromNest(exception);
      } catch {
        error = exception;
      }
    }
    const res = host.switchToHttp().getResponse<HttpResponse>();
    if (res.headersSent) {
      this.logger.error('error after the response started', { errorName: (error as Error)?.name });
      res.destroy();
      return;
    }
    sendWireResponse(res, renderHttpError(error, this.logger));
  }
}
