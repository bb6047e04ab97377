import type { Client } from '../domain/client';
import { InvalidRequest } from '../errors/oauth-error';
import { stringParam, type AuthenticationParams } from './authentication-params';

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** CIBA §7.1: the OP may reject longer tokens; 1024 matches common OPs. */
export const MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH = 1024;

/**
 * `client_notification_token` (CIBA §7.1): REQUIRED for ping and push clients, a
 * bearer token (RFC 6750 §2.1 syntax) of at most 1024 characters. Ignored for poll.
 */
export function checkClientNotificationToken(client: Client, params: AuthenticationParams): string | undefined {
  if (client.backchannelTokenDeliveryMode === 'poll') return undefined;
  const token = stringParam(params, 'client_notification_token');
  if (token === undefined) throw new InvalidRequest('client_notification_token is required for ping and push');
  if (token.length > MAX_CLIENT_NOTIFICATION_TOKEN_LENGTH) {
    throw new InvalidRequest('client_notification_token is too long');
  }
  if (!B64TOKEN.test(token)) throw new InvalidRequest('client_notification_token is not a valid bearer token');
  return token;
}
