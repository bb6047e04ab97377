import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { OutboxMessage } from '../domain/tokens';
import type { Clock } from '../ports/clock.port';
import type { Random } from '../ports/random.port';
import type { Stores } from '../ports/stores.port';

/** CIBA §12 push error codes. */
export type PushErrorCode = 'access_denied' | 'expired_token' | 'transaction_failed';

/** CIBA §10.2: the ping body carries the auth_req_id and nothing else. */
export function pingBody(authReqId: string): Record<string, unknown> {
  return { auth_req_id: authReqId };
}

/** CIBA §10.3.1: the push body is the token response plus auth_req_id. */
export function pushTokenBody(authReqId: string, tokenResponse: Record<string, unknown>): Record<string, unknown> {
  return { ...tokenResponse, auth_req_id: authReqId };
}

/** CIBA §12: the push error payload. */
export function pushErrorBody(authReqId: string, error: PushErrorCode, description: string): Record<string, unknown> {
  return { error, error_description: description, auth_req_id: authReqId };
}

/**
 * Put one notification for `request` into the durable outbox (inside the caller's
 * transaction when `stores` is a transaction's stores). Returns the message, or
 * undefined when the request cannot be notified (no notification endpoint, token or
 * clear auth_req_id: a ping/push request always has them, CIBA §7.1 / §10.2).
 */
export async function enqueueNotification(
  deps: { clock: Clock; random: Random },
  stores: Stores,
  request: AuthRequest,
  client: Client | undefined,
  body: Record<string, unknown>,
): Promise<OutboxMessage | undefined> {
  const url = client?.backchannelClientNotificationEndpoint;
  if (!url || !request.clientNotificationToken || !request.deliveryAuthReqId || client.disabled) return undefined;
  const now = deps.clock.now();
  const message: OutboxMessage = {
    id: deps.random.uuid(),
    authRequestId: request.id,
    clientId: request.clientId,
    url,
    bearer: request.clientNotificationToken,
    body: JSON.stringify(body),
    attempts: 0,
    nextAttemptAt: now,
    status: 'pending',
    createdAt: now,
  };
  await stores.outbox.enqueue(message);
  return message;
}
