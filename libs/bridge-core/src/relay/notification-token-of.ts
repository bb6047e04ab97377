import type { VerificationRequestMessage } from '@onboard/mqtt-contract';
import { readRequestObject } from './read-request-object';

/**
 * The `client_notification_token` (CIBA §7.1) the provider's push will carry. A signed request
 * object is read (not verified: the provider does that) and its `iss` compared with the device
 * (defence in depth); an encrypted one (RFC 9101 §6.1) is the provider's to open, so the device
 * repeats the token beside it and the provider checks `iss` against the client id the bridge
 * relays for the authenticated device.
 */
export function notificationTokenOf(
  deviceId: string,
  message: VerificationRequestMessage,
): { ok: true; value: string } | { ok: false; problem: string } {
  if (isCompactJwe(message.request)) {
    return message.clientNotificationToken === undefined
      ? { ok: false, problem: 'an encrypted request object needs client_notification_token beside it' }
      : { ok: true, value: message.clientNotificationToken };
  }
  const claims = readRequestObject(message.request);
  if (!claims) return { ok: false, problem: 'request is not a JWT' };
  if (claims.iss !== deviceId) return { ok: false, problem: 'the request object iss is not the device id' };
  if (claims.clientNotificationToken === undefined) {
    return { ok: false, problem: 'the request object has no client_notification_token' };
  }
  if (
    message.clientNotificationToken !== undefined &&
    message.clientNotificationToken !== claims.clientNotificationToken
  ) {
    return { ok: false, problem: 'client_notification_token differs from the one in the request object' };
  }
  return { ok: true, value: claims.clientNotificationToken };
}

function isCompactJwe(value: string): boolean {
  return value.split('.').length === 5;
}
