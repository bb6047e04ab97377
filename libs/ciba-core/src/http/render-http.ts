import { randomUUID } from 'node:crypto';
import { OAuthError } from '../errors/oauth-error';
import type { Logger } from '../ports/logger.port';
import type { WireResponse } from '../wire/wire';

/** Headers every OAuth JSON response carries (RFC 6749 §5.1, CIBA §10.1.1). */
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/** A JSON response that must not be cached. */
export const jsonNoStore = (status: number, body: unknown, headers: Record<string, string> = {}): WireResponse => ({
  status,
  headers: { ...NO_STORE, 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

/**
 * The one HTTP renderer for errors: RFC 6749 §5.2 `{error, error_description}`.
 * Anything that is not an OAuthError becomes `server_error` with an error id that
 * is logged with the details; the details never reach the caller.
 */
export function renderHttpError(error: unknown, logger: Logger): WireResponse {
  if (error instanceof OAuthError) {
    const body: Record<string, string> = { error: error.code };
    if (error.expose && error.message) body.error_description = error.message;
    if (error.status >= 500) logger.error('request failed', { error: error.code, description: error.message });
    return jsonNoStore(error.status, body, error.headers);
  }
  const errorId = randomUUID();
  const err = error as Error | undefined;
  logger.error('unexpected error', { errorId, errorName: err?.name, errorMessage: err?.message, stack: err?.stack });
  return jsonNoStore(500, { error: 'server_error', error_description: `unexpected error, id ${errorId}` });
}
