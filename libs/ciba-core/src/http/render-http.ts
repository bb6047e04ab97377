import { NO_STORE_HEADERS, renderApiError, type Logger } from '@onboard/platform';
import type { WireResponse } from '../wire/wire';

/** Headers every OAuth JSON response carries (RFC 6749 §5.1, CIBA §10.1.1). */
export const NO_STORE = NO_STORE_HEADERS;

/** A JSON response that must not be cached. */
export const jsonNoStore = (status: number, body: unknown, headers: Record<string, string> = {}): WireResponse => ({
  status,
  headers: { ...NO_STORE, 'content-type': 'application/json; charset=utf-8', ...headers },
  body,
});

/**
 * The one HTTP renderer for errors: RFC 6749 §5.2 `{error, error_description}` (the
 * platform's {@link renderApiError}, which every OAuthError is rendered by). Anything that
 * is not an OAuthError becomes `server_error` with an error id that is logged with the
 * details; the details never reach the caller.
 */
export function renderHttpError(error: unknown, logger: Logger): WireResponse {
  return renderApiError(error, logger);
}
