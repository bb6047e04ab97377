import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger/logger.port';
import { ApiError } from './api-error';

/** Headers that keep a response out of every cache (RFC 9111 §5.2.2.5; `pragma` for HTTP/1.0 caches, RFC 6749 §5.1). */
export const NO_STORE_HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** The JSON error body every app answers with (RFC 6749 §5.2's shape). */
export interface ApiErrorBody {
  error: string;
  error_description?: string;
}

/** An HTTP answer: status, headers, JSON body. */
export interface RenderedApiError {
  status: number;
  headers: Record<string, string>;
  body: ApiErrorBody;
}

/**
 * The one HTTP renderer for errors: `{error, error_description}` as JSON, never cached, with
 * the error's own headers. An {@link ApiError} keeps its status and code (its description only
 * when `expose`; a 5xx is logged). Anything else becomes 500 `server_error` with a fresh error
 * id that is logged with the details; the details never reach the caller.
 *
 * @example
 * const { status, headers, body } = renderApiError(error, logger);
 * reply.status(status).headers(headers).send(body);
 */
export function renderApiError(error: unknown, logger: Logger): RenderedApiError {
  const headers = (extra: Record<string, string> = {}) => ({
    ...NO_STORE_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    ...extra,
  });
  if (error instanceof ApiError) {
    const body: ApiErrorBody = { error: error.code };
    if (error.expose && error.description) body.error_description = error.description;
    if (error.status >= 500) logger.error('request failed', { error: error.code, description: error.description });
    return { status: error.status, headers: headers(error.headers), body };
  }
  const errorId = randomUUID();
  const err = error as Error | undefined;
  logger.error('unexpected error', { errorId, errorName: err?.name, errorMessage: err?.message, stack: err?.stack });
  return {
    status: 500,
    headers: headers(),
    body: { error: 'server_error', error_description: `unexpected error, id ${errorId}` },
  };
}
