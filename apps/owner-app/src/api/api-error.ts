/**
 * What went wrong with a call, in terms of what the owner can do about it.
 * The provider answers `{error, error_description}` with an HTTP status; the app
 * maps that to a small set of kinds, each with its own message in the catalogue.
 */
export type ApiErrorKind =
  /** No answer at all: offline, DNS, TLS, the provider down. */
  | 'offline'
  /** 401: no session, or it ended. Sign in again. */
  | 'signed_out'
  /** 400: the app sent something the provider refused (e.g. an used invitation). */
  | 'invalid'
  /** 403: not allowed (e.g. this passkey may not approve this request). */
  | 'forbidden'
  /** 404: gone or never existed. */
  | 'not_found'
  /** 409: the thing changed meanwhile (e.g. the request was decided elsewhere). */
  | 'conflict'
  /** 429: too many attempts; wait `retryAfter` seconds. */
  | 'rate_limited'
  /** 5xx or an answer the app cannot read. */
  | 'server';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    /** The OAuth-style `error` code, when the provider sent one. */
    readonly code?: string,
    /** The provider's `error_description` (English, for logs and support). */
    readonly description?: string,
    /** Seconds to wait, from `Retry-After` on 429. */
    readonly retryAfter?: number,
  ) {
    super(description ?? code ?? `HTTP ${status}`);
  }
}

const KIND_BY_STATUS: Record<number, ApiErrorKind> = {
  400: 'invalid',
  401: 'signed_out',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'not_found',
  429: 'rate_limited',
};

/** `Retry-After` as whole seconds: either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The error for a non-2xx answer. `body` is the parsed JSON body, if it was JSON.
 * A 400 whose `error` is `slow_down` counts as rate limited too (CIBA §11 wording).
 */
export function toApiError(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const code = typeof fields.error === 'string' ? fields.error : undefined;
  const description = typeof fields.error_description === 'string' ? fields.error_description : undefined;
  let kind: ApiErrorKind = KIND_BY_STATUS[status] ?? (status >= 500 || status < 400 ? 'server' : 'invalid');
  if (code === 'slow_down') kind = 'rate_limited';
  if (code === 'login_required' || code === 'invalid_token') kind = 'signed_out';
  return new ApiError(kind, status, code, description, parseRetryAfter(retryAfterHeader));
}
