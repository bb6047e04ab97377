import type { ProtocolErrorCode, ResultErrorCode } from './error-codes';

/**
 * The messages of the device protocol, as TypeScript sees them (camelCase). On the wire they are
 * JSON objects with snake_case members; see docs/protocol.md and `encode.ts` / `decode.ts`.
 */

/**
 * device → bridge, `requests/verification`: ask for the owner's verification.
 * The CIBA parameters (hint, binding message, scope, authorization details, user code, requested
 * expiry) travel inside `request`, a signed request object (CIBA §7.1.1) the bridge relays as is.
 */
export interface VerificationRequestMessage {
  type: 'verification';
  /** Device-chosen id; a repeated message with the same id never starts a second verification. */
  requestId: string;
  /**
   * Signed request object (compact JWS), signed with the device's key; or that JWS encrypted to
   * the provider (compact JWE, a nested JWT, RFC 9101 §6.1), which the bridge relays unread.
   */
  request: string;
  /** `private_key_jwt` client assertion (RFC 7523 §2.2) for the backchannel authentication endpoint. */
  clientAssertion: string;
  /**
   * The request object's `client_notification_token` (CIBA §7.1), repeated beside it: required
   * when `request` is encrypted, since the bridge authenticates the provider's push with it.
   * Travels only inside a sealed payload.
   */
  clientNotificationToken?: string;
}

/** device → bridge, `requests/cancel`: stop waiting for a verification request. */
export interface CancelMessage {
  type: 'cancel';
  /** The id of the verification request to cancel. */
  requestId: string;
}

/** device → bridge, `requests/refresh`: exchange a refresh token (RFC 6749 §6) over MQTT. */
export interface RefreshMessage {
  type: 'refresh';
  /** Device-chosen id of this refresh; the result carries it. */
  requestId: string;
  refreshToken: string;
  /** `private_key_jwt` client assertion for the token endpoint. */
  clientAssertion: string;
  /** DPoP proof for the token endpoint (RFC 9449 §4), when the tokens are DPoP-bound. */
  dpop?: string;
}

/**
 * device → bridge, `requests/result-ack`: the device processed the result of `requestId`; the
 * bridge stops redelivering it on reconnect.
 */
export interface ResultAckMessage {
  type: 'result-ack';
  /** The `request_id` of the result. */
  requestId: string;
}

/** Any message a device publishes. */
export type DeviceMessage = VerificationRequestMessage | CancelMessage | RefreshMessage | ResultAckMessage;

/** bridge → device, `replies/ack`: the provider accepted the verification request (CIBA §7.3). */
export interface AckMessage {
  type: 'ack';
  requestId: string;
  authReqId: string;
  /** Seconds until the auth request expires. */
  expiresIn: number;
}

/** Lifecycle of a verification request as a device sees it. */
export const VERIFICATION_STATUSES = ['pending', 'approved', 'denied', 'expired', 'cancelled'] as const;
export type VerificationStatus = (typeof VERIFICATION_STATUSES)[number];

/** bridge → device, `replies/status`: the verification request changed state. */
export interface StatusMessage {
  type: 'status';
  requestId: string;
  status: VerificationStatus;
  authReqId?: string;
}

/** Statuses of a result carrying tokens: a verification approved, or a refresh done. */
export const RESULT_TOKEN_STATUSES = ['approved', 'refreshed'] as const;
export type ResultTokenStatus = (typeof RESULT_TOKEN_STATUSES)[number];
/** Statuses of a result carrying an error: the owner denied, the request expired, or it failed. */
export const RESULT_ERROR_STATUSES = ['denied', 'expired', 'failed'] as const;
export type ResultErrorStatus = (typeof RESULT_ERROR_STATUSES)[number];
export type ResultStatus = ResultTokenStatus | ResultErrorStatus;

/**
 * bridge → device, `replies/result`: final outcome of a verification request or a refresh.
 * Redelivered on every (re)connect until the device confirms it with `requests/result-ack`.
 */
export type ResultMessage =
  | {
      type: 'result';
      requestId: string;
      authReqId?: string;
      status: ResultTokenStatus;
      /**
       * The provider's token response (access_token, token_type, expires_in, refresh_token,
       * id_token, scope), as one compact JWE (RFC 7516) encrypted to the device's encryption key.
       */
      encryptedTokenResponse: string;
    }
  | {
      type: 'result';
      requestId: string;
      authReqId?: string;
      status: ResultErrorStatus;
      error: ResultErrorCode;
      errorDescription?: string;
    };

/** bridge → device, `replies/error`: a message could not be processed. */
export interface ErrorMessage {
  type: 'error';
  /** The offending message's request id, when it had a readable one; otherwise null. */
  requestId: string | null;
  error: ProtocolErrorCode;
  errorDescription: string;
}

/** Any message the bridge publishes to a device. */
export type BridgeMessage = AckMessage | StatusMessage | ResultMessage | ErrorMessage;
