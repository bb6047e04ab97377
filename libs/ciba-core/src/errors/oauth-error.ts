import { ApiError } from '@onboard/platform';

/**
 * Every protocol failure is an OAuthError named after its wire `error` code (RFC 6749 §5.2,
 * CIBA §13, RFC 9449, RFC 7591…). It is the platform's {@link ApiError} (`status`, `expose`,
 * `headers`), so every transport renders it with its one renderer (HTTP: RFC 6749 §5.2 JSON
 * body; MQTT: the device protocol's error payload). The core never throws framework exceptions.
 */
export abstract class OAuthError extends ApiError {
  /** The RFC 6749 / CIBA §13 / RFC 9449 `error` code. */
  abstract override readonly code: string;
}

export class InvalidRequest extends OAuthError {
  readonly code = 'invalid_request';
}
/** RFC 6749 §5.2; 401 with WWW-Authenticate when the client used the Authorization header. */
export class InvalidClient extends OAuthError {
  readonly code = 'invalid_client';
  override readonly status = 401;
}
export class InvalidGrant extends OAuthError {
  readonly code = 'invalid_grant';
}
export class UnauthorizedClient extends OAuthError {
  readonly code = 'unauthorized_client';
}
export class UnsupportedGrantType extends OAuthError {
  readonly code = 'unsupported_grant_type';
}
export class InvalidScope extends OAuthError {
  readonly code = 'invalid_scope';
}
/** RFC 9396 §5 */
export class InvalidAuthorizationDetails extends OAuthError {
  readonly code = 'invalid_authorization_details';
}
/** CIBA §13 */
export class ExpiredLoginHintToken extends OAuthError {
  readonly code = 'expired_login_hint_token';
}
/** CIBA §13 */
export class UnknownUserId extends OAuthError {
  readonly code = 'unknown_user_id';
}
/** CIBA §13 */
export class MissingUserCode extends OAuthError {
  readonly code = 'missing_user_code';
}
/** CIBA §13 */
export class InvalidUserCode extends OAuthError {
  readonly code = 'invalid_user_code';
}
/** CIBA §13 */
export class InvalidBindingMessage extends OAuthError {
  readonly code = 'invalid_binding_message';
}
/** CIBA §13: 403 */
export class AccessDenied extends OAuthError {
  readonly code = 'access_denied';
  override readonly status: number = 403;
}
/** CIBA §11: token endpoint, still pending */
export class AuthorizationPending extends OAuthError {
  readonly code = 'authorization_pending';
}
/** CIBA §11 */
export class SlowDown extends OAuthError {
  readonly code = 'slow_down';
}
/** CIBA §11 */
export class ExpiredToken extends OAuthError {
  readonly code = 'expired_token';
}
/** Token endpoint variant of access_denied (CIBA §11 uses 400). */
export class AccessDeniedGrant extends OAuthError {
  readonly code = 'access_denied';
}
/** RFC 9449 §7.1 / §5 */
export class InvalidDpopProof extends OAuthError {
  readonly code = 'invalid_dpop_proof';
}
/** RFC 9449 §8 */
export class UseDpopNonce extends OAuthError {
  readonly code = 'use_dpop_nonce';
}
/** The owner app has no (valid) session: sign in with a passkey (OIDC Core §3.1.2.6 code). */
export class LoginRequired extends OAuthError {
  readonly code = 'login_required';
  override readonly status = 401;
}
/** RFC 6750 §3.1 (resource endpoints: userinfo). */
export class InvalidToken extends OAuthError {
  readonly code = 'invalid_token';
  override readonly status = 401;
}
/** RFC 6750 §3.1 */
export class InsufficientScope extends OAuthError {
  readonly code = 'insufficient_scope';
  override readonly status = 403;
}
/** RFC 7591 §3.2.2 */
export class InvalidClientMetadata extends OAuthError {
  readonly code = 'invalid_client_metadata';
}
/** RFC 7591 §3.2.2 */
export class InvalidRedirectUri extends OAuthError {
  readonly code = 'invalid_redirect_uri';
}
/** RFC 7009 §2.2.1 */
export class UnsupportedTokenType extends OAuthError {
  readonly code = 'unsupported_token_type';
}
/** Request too large (wire guard). */
export class PayloadTooLarge extends OAuthError {
  readonly code = 'invalid_request';
  override readonly status = 413;
}
/** Wrong HTTP method. */
export class MethodNotAllowed extends OAuthError {
  readonly code = 'invalid_request';
  override readonly status = 405;
}
/** Resource not found (owner-device and admin APIs). */
export class NotFound extends OAuthError {
  readonly code = 'not_found';
  override readonly status = 404;
}
/** Conflicting state (owner-device API: request no longer pending). */
export class Conflict extends OAuthError {
  readonly code = 'conflict';
  override readonly status = 409;
}
/**
 * Over a rate or attempt limit: HTTP 429 (RFC 6585 §4) with `Retry-After` (RFC 9110
 * §10.2.3) saying when to try again, and OAuth's word for "too fast", `slow_down`
 * (CIBA §11, RFC 8628 §3.5). The request itself may be valid; it would be served later.
 */
export class RateLimited extends OAuthError {
  readonly code = 'slow_down';
  override readonly status = 429;
  constructor(description: string, retryAfterSeconds: number) {
    super(description);
    this.headers = { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) };
  }
}
/** Rate limited. */
export class TooManyRequests extends OAuthError {
  readonly code = 'too_many_requests';
  override readonly status = 429;
}
/**
 * The provider cannot take the request now (overload); RFC 6749 §4.1.2.1's code, with
 * HTTP 503 and `Retry-After` (RFC 9110 §10.2.3) telling the client when to try again.
 */
export class TemporarilyUnavailable extends OAuthError {
  readonly code = 'temporarily_unavailable';
  override readonly status = 503;
  constructor(description?: string, retryAfterSeconds = 1) {
    super(description);
    this.headers = { 'retry-after': String(retryAfterSeconds) };
  }
}
/** Anything unexpected: rendered with an error id, details logged, never exposed. */
export class ServerError extends OAuthError {
  readonly code = 'server_error';
  override readonly status = 500;
  override readonly expose = false;
}
/** RFC 9449 §7.1: at a protected resource an invalid DPoP proof is a 401 with a DPoP challenge. */
export class InvalidDpopProofAtResource extends OAuthError {
  readonly code = 'invalid_dpop_proof';
  override readonly status = 401;
}
