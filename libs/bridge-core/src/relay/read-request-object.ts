import { decodeJwt } from 'jose';

/** What the bridge reads from a device's signed request object (without verifying it). */
export interface RequestObjectClaims {
  iss: string | undefined;
  /** CIBA §7.1 `client_notification_token`, the bearer token of the provider's push for this request. */
  clientNotificationToken: string | undefined;
}

/**
 * Reads `iss` and `client_notification_token` from the payload of a request object (CIBA §7.1.1).
 * The signature is the provider's to check; the bridge only needs the token to authenticate the
 * push (CIBA §10.3) and compares `iss` with the authenticated device (defence in depth).
 * Returns undefined when the payload is not a JWT claims set.
 */
export function readRequestObject(request: string): RequestObjectClaims | undefined {
  let claims;
  try {
    claims = decodeJwt(request);
  } catch {
    return undefined;
  }
  const token = claims.client_notification_token;
  return {
    iss: typeof claims.iss === 'string' ? claims.iss : undefined,
    clientNotificationToken: typeof token === 'string' && token !== '' ? token : undefined,
  };
}
