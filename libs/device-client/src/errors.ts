import type { DeviceErrorCode } from '@onboard/mqtt-contract';

/**
 * The stable error codes of the device client library. Callers `switch` on them; a code never
 * changes meaning within a major version. Each one tells the application what to do:
 *
 * | Code | Meaning | What to do |
 * | --- | --- | --- |
 * | `access_denied` | The owner denied the request (CIBA §11), or the provider refused to ask the owner (CIBA §13). | Tell the user; do not retry automatically. |
 * | `expired_token` | The request expired before the owner answered (CIBA §11). | Offer to ask again. |
 * | `transaction_failed` | The provider could not complete the request (CIBA §13). | Retry later. |
 * | `invalid_request` | The provider refused the request or its scope (CIBA §13). | A bug or a configuration mismatch. |
 * | `unknown_user` | The hint named no owner, or the login hint token expired (CIBA §13). | Ask for another hint. |
 * | `invalid_user_code` | The user code was missing or wrong (CIBA §7.1, §13). | Ask the user for the code again. |
 * | `invalid_binding_message` | The provider refused the binding message (CIBA §13). | Shorten or simplify it. |
 * | `invalid_client` | The provider refused the device's client authentication. | Check registration and keys. |
 * | `invalid_grant` | The refresh token was refused (RFC 6749 §5.2). | Pair again. |
 * | `invalid_dpop_proof` | The DPoP proof was refused (RFC 9449 §7.1). | Check the device clock. |
 * | `protocol_error` | The bridge could not read a message (docs/protocol.md §6.7). | A bug; report it. |
 * | `unknown_request` | The bridge does not know the request id. | Nothing to cancel. |
 * | `not_implemented` | The bridge does not support the message yet. | Upgrade the bridge. |
 * | `temporarily_unavailable` | The provider stayed unreachable until the request's deadline. | Retry later. |
 * | `bridge_error` | The bridge failed unexpectedly (`server_error`). | Retry later. |
 * | `connection_refused` | The broker refused the connect credential (CONNACK 2 or 4). | Check device id, keys, audience, clock. |
 * | `not_authorized` | The device is disabled or revoked (CONNACK 5). | Stop; the fleet operator must re-enable it. |
 * | `connection_failed` | No connection could be made before the connect timeout. | Retry later. |
 * | `timeout` | No acknowledgement or result arrived in time. | Retry with a new request. |
 * | `cancelled` | The request was cancelled (`cancel()` or its `AbortSignal`). | Nothing. |
 * | `closed` | The client was closed while the request was pending. | Nothing. |
 * | `invalid_token_response` | The token response could not be decrypted or read. | A key mismatch or a bug. |
 * | `invalid_id_token` | The ID token failed verification (signature, `iss`, `aud`, `exp`, `auth_req_id`, `at_hash`, `rt_hash`). | Never use the tokens; report it. |
 * | `provider_error` | The provider's JWKS could not be fetched. | Retry later. |
 * | `key_store_error` | The key store failed (unreadable file, wrong permissions, HSM error). | Check the device. |
 * | `invalid_argument` | The caller passed an invalid option. | Fix the call. |
 */
export type DeviceClientErrorCode =
  | 'access_denied'
  | 'expired_token'
  | 'transaction_failed'
  | 'invalid_request'
  | 'unknown_user'
  | 'invalid_user_code'
  | 'invalid_binding_message'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_dpop_proof'
  | 'protocol_error'
  | 'unknown_request'
  | 'not_implemented'
  | 'temporarily_unavailable'
  | 'bridge_error'
  | 'connection_refused'
  | 'not_authorized'
  | 'connection_failed'
  | 'timeout'
  | 'cancelled'
  | 'closed'
  | 'invalid_token_response'
  | 'invalid_id_token'
  | 'provider_error'
  | 'key_store_error'
  | 'invalid_argument';

/** Options of {@link DeviceClientError}. */
export interface DeviceClientErrorOptions {
  /** The error code received on the wire (docs/protocol.md §7), when the error came from the bridge. */
  protocolCode?: DeviceErrorCode;
  /** The request this error belongs to. */
  requestId?: string;
  /** The underlying error (never a token or key). */
  cause?: unknown;
}

/**
 * The one error class of the device client library. Switch on {@link DeviceClientError.code}; the
 * message is for logs only and never contains tokens, keys or credentials.
 * @example
 * try {
 *   const tokens = await client.requestOwnerVerification({ loginHint, bindingMessage, scope }).result;
 * } catch (err) {
 *   if (!(err instanceof DeviceClientError)) throw err;
 *   switch (err.code) {
 *     case 'access_denied': showDenied(); break;
 *     case 'expired_token': offerRetry(); break;
 *     default: log(err.code, err.message);
 *   }
 * }
 */
export class DeviceClientError extends Error {
  /** The stable code. */
  readonly code: DeviceClientErrorCode;
  /** The wire error code, when the bridge sent one. */
  readonly protocolCode?: DeviceErrorCode;
  /** The request this error belongs to, when there is one. */
  readonly requestId?: string;

  constructor(code: DeviceClientErrorCode, message: string, options: DeviceClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DeviceClientError';
    this.code = code;
    if (options.protocolCode !== undefined) this.protocolCode = options.protocolCode;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }

  /** True when a later attempt (a new request, or the same request after reconnecting) may succeed. */
  get retryable(): boolean {
    return isRetryable(this.code);
  }
}

/**
 * The library code for a wire error code (docs/protocol.md §7). The switch is exhaustive: a new
 * wire code fails to compile until it is mapped.
 * @example codeForWireError('unknown_user_id') // 'unknown_user'
 */
export function codeForWireError(code: DeviceErrorCode): DeviceClientErrorCode {
  switch (code) {
    // result errors: the provider's OAuth codes (CIBA §11, §13; RFC 6749 §5.2; RFC 9449 §7.1)
    case 'access_denied':
      return 'access_denied';
    case 'expired_token':
      return 'expired_token';
    case 'transaction_failed':
      return 'transaction_failed';
    case 'invalid_request':
    case 'invalid_request_object':
    case 'invalid_scope':
      return 'invalid_request';
    case 'unknown_user_id':
    case 'expired_login_hint_token':
      return 'unknown_user';
    case 'missing_user_code':
    case 'invalid_user_code':
      return 'invalid_user_code';
    case 'invalid_binding_message':
      return 'invalid_binding_message';
    case 'invalid_client':
    case 'unauthorized_client':
      return 'invalid_client';
    case 'invalid_grant':
      return 'invalid_grant';
    case 'invalid_dpop_proof':
      return 'invalid_dpop_proof';
    // protocol errors (docs/protocol.md §6.7)
    case 'invalid_message':
    case 'payload_too_large':
    case 'unknown_message_type':
    case 'request_id_reused':
      return 'protocol_error';
    case 'unknown_request':
      return 'unknown_request';
    case 'not_implemented':
      return 'not_implemented';
    case 'temporarily_unavailable':
      return 'temporarily_unavailable';
    case 'server_error':
      return 'bridge_error';
  }
}

/**
 * The error for a wire error code, with the wire code and description kept for logs.
 * @example errorFromWire('access_denied', 'the owner denied the request', 'r1').code // 'access_denied'
 */
export function errorFromWire(code: DeviceErrorCode, description: string | undefined, requestId?: string) {
  const text = description ? `${code}: ${description}` : code;
  return new DeviceClientError(codeForWireError(code), text, { protocolCode: code, requestId });
}

function isRetryable(code: DeviceClientErrorCode): boolean {
  switch (code) {
    case 'expired_token':
    case 'transaction_failed':
    case 'temporarily_unavailable':
    case 'bridge_error':
    case 'connection_failed':
    case 'timeout':
    case 'provider_error':
      return true;
    default:
      return false;
  }
}

/**
 * The cause of a failure in words, for an error message: the message and system code of `err`
 * and of its causes (`fetch failed` alone says nothing; its cause says `connect ECONNREFUSED
 * 10.0.0.7:443`). Never includes a token or key: only error messages and codes.
 * @example describeCause(fetchError) // 'fetch failed: connect ECONNREFUSED 127.0.0.1:9'
 */
export function describeCause(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (typeof current !== 'object') {
      parts.push(String(current));
      break;
    }
    const { message, code } = current as { message?: unknown; code?: unknown };
    const text = typeof message === 'string' && message !== '' ? message : undefined;
    const system = typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
    if (text && !parts.some((p) => p.includes(text))) parts.push(text);
    else if (!text && system) parts.push(system);
    if (text && system && !text.includes(system)) parts[parts.length - 1] = `${text} (${system})`;
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(': ') : 'unknown error';
}

/** A URL fit for a message: without user name, password, query or fragment. */
export function displayUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'an invalid URL';
  }
}
