import {
  COMPACT_JWE_PATTERN,
  MAX_AUTH_REQ_ID_LENGTH,
  MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH,
} from '@onboard/mqtt-contract';

/** A client notification (CIBA §10.2 ping, §10.3 push), as the bridge understands it. */
export type ClientNotification =
  /** Push of a successful token response, encrypted to the device (Onboard extension). */
  | { kind: 'tokens'; authReqId: string; encryptedTokenResponse: string }
  /** Push error payload (CIBA §12): `access_denied`, `expired_token`, `transaction_failed`. */
  | { kind: 'error'; authReqId: string; error: string; errorDescription?: string }
  /** A ping callback (CIBA §10.2): devices use push; a ping is tolerated and ignored. */
  | { kind: 'ping'; authReqId: string }
  /** A push with plaintext tokens: never passed on through the broker. */
  | { kind: 'unencrypted'; authReqId: string };

/**
 * Parses the JSON body of a client notification; undefined when it is not one.
 * @example readNotification(Buffer.from('{"auth_req_id":"a"}')) // { kind: 'ping', authReqId: 'a' }
 */
export function readNotification(body: Buffer): ClientNotification | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const n = json as Record<string, unknown>;
  const authReqId = n.auth_req_id;
  if (typeof authReqId !== 'string' || authReqId === '' || authReqId.length > MAX_AUTH_REQ_ID_LENGTH) return undefined;
  const encrypted = n.encrypted_token_response;
  if (encrypted !== undefined) {
    if (
      typeof encrypted !== 'string' ||
      encrypted.length > MAX_ENCRYPTED_TOKEN_RESPONSE_LENGTH ||
      !COMPACT_JWE_PATTERN.test(encrypted)
    )
      return undefined;
    return { kind: 'tokens', authReqId, encryptedTokenResponse: encrypted };
  }
  if (n.error !== undefined) {
    if (typeof n.error !== 'string' || n.error === '' || n.error.length > 64) return undefined;
    const description = typeof n.error_description === 'string' ? n.error_description.slice(0, 256) : undefined;
    return {
      kind: 'error',
      authReqId,
      error: n.error,
      ...(description === undefined ? {} : { errorDescription: description }),
    };
  }
  if (n.access_token !== undefined || n.id_token !== undefined) return { kind: 'unencrypted', authReqId };
  return { kind: 'ping', authReqId };
}
