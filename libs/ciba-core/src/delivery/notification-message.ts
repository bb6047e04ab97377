import type { AuthRequest } from '../domain/auth-request';
import type { Client } from '../domain/client';
import type { OutboxMessage } from '../domain/tokens';
import type { Clock, Random } from '@onboard/platform';
import type { Stores } from '../ports/stores.port';
import type { ProviderSignals } from '../context';
import type { ProviderSettings } from '../settings';

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
 *
 * When a delivery worker of this process listens (`signals.deliversNotifications()`), the
 * message is written already leased to it for one attempt (attempts 1, nextAttemptAt =
 * now + the attempt's lease) and returned with `leased: true`: hand it on with
 * `signals.notificationQueued(id, message)` and the first attempt needs no write of its
 * own. Should this process stop before sending, the lease runs out and any worker
 * retries the message.
 */
export async function enqueueNotification(
  deps: {
    clock: Clock;
    random: Random;
    settings: Pick<ProviderSettings, 'notificationTimeoutMs'>;
    signals?: Pick<ProviderSignals, 'deliversNotifications'>;
  },
  stores: Stores,
  request: AuthRequest,
  client: Client | undefined,
  body: Record<string, unknown>,
): Promise<QueuedNotification | undefined> {
  const url = client?.backchannelClientNotificationEndpoint;
  if (!url || !request.clientNotificationToken || !request.deliveryAuthReqId || client.disabled) return undefined;
  const now = deps.clock.now();
  const leased = deps.signals?.deliversNotifications?.() === true;
  const message: QueuedNotification = {
    id: deps.random.uuid(),
    authRequestId: request.id,
    clientId: request.clientId,
    url,
    bearer: request.clientNotificationToken,
    body: JSON.stringify(body),
    attempts: leased ? 1 : 0,
    nextAttemptAt: leased ? now + attemptLeaseMs(deps.settings) : now,
    status: 'pending',
    createdAt: now,
  };
  await stores.outbox.enqueue(message);
  if (leased) message.leased = true;
  return message;
}

/** An outbox message as enqueued; `leased` when it was written leased to this process's worker. */
export type QueuedNotification = OutboxMessage & { leased?: boolean };

/** How long one delivery attempt holds its lease: the whole send, plus a margin, so nobody else picks the message meanwhile. */
export function attemptLeaseMs(settings: Pick<ProviderSettings, 'notificationTimeoutMs'>): number {
  return settings.notificationTimeoutMs + 5000;
}
