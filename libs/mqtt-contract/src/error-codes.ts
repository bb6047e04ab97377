/**
 * The stable error codes of the device protocol. Values never change meaning within `v1`;
 * a device can `switch` on them.
 */

/** Protocol errors, sent on the `error` reply topic when a message cannot be processed. */
export const PROTOCOL_ERROR_CODES = [
  'invalid_message',
  'payload_too_large',
  'unknown_message_type',
  'unknown_request',
  'request_id_reused',
  'not_implemented',
  'temporarily_unavailable',
  'server_error',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

/**
 * Final outcomes of a verification request or a refresh that are errors, sent on the `result`
 * reply topic. They are the provider's OAuth error codes, relayed unchanged
 * (CIBA §11 and §13, RFC 6749 §5.2).
 */
export const RESULT_ERROR_CODES = [
  'access_denied',
  'expired_token',
  'transaction_failed',
  'invalid_request',
  'invalid_request_object',
  'invalid_client',
  'unauthorized_client',
  'invalid_grant',
  'invalid_scope',
  'unknown_user_id',
  'expired_login_hint_token',
  'missing_user_code',
  'invalid_user_code',
  'invalid_binding_message',
  'invalid_dpop_proof',
] as const;
export type ResultErrorCode = (typeof RESULT_ERROR_CODES)[number];

/** Every error code a device can receive. */
export type DeviceErrorCode = ProtocolErrorCode | ResultErrorCode;

const protocolCodes: ReadonlySet<string> = new Set(PROTOCOL_ERROR_CODES);
const resultCodes: ReadonlySet<string> = new Set(RESULT_ERROR_CODES);

/** True when `value` is one of {@link PROTOCOL_ERROR_CODES}. */
export function isProtocolErrorCode(value: unknown): value is ProtocolErrorCode {
  return typeof value === 'string' && protocolCodes.has(value);
}

/** True when `value` is one of {@link RESULT_ERROR_CODES}. */
export function isResultErrorCode(value: unknown): value is ResultErrorCode {
  return typeof value === 'string' && resultCodes.has(value);
}
