import type { AuthRequest, OutboxKind, OutboxMessage, ProviderContext, Stores } from '@onboard/ciba-core';
import { claimAnnouncement } from './announce-once';

/**
 * Queue one owner notification in the durable outbox, once per `target` (see
 * claimAnnouncement): the record and the message are written in one transaction, so a crash
 * leaves both or neither. Returns the message, or undefined when `target` was announced
 * before. The outbox worker sends it (retries, backoff, the outbound guard).
 */
export async function queueOwnerNotification(
  ctx: ProviderContext,
  request: AuthRequest,
  target: string,
  fields: {
    kind: Exclude<OutboxKind, 'client_notification'>;
    url: string;
    bearer: string;
    body: () => Promise<string>;
  },
): Promise<OutboxMessage | undefined> {
  const body = await fields.body();
  const now = ctx.clock.now();
  const message: OutboxMessage = {
    id: ctx.random.uuid(),
    kind: fields.kind,
    authRequestId: request.id,
    clientId: request.clientId,
    url: fields.url,
    bearer: fields.bearer,
    body,
    attempts: 0,
    nextAttemptAt: now,
    status: 'pending',
    createdAt: now,
  };
  const queued = await ctx.stores.transaction(async (stores: Stores) => {
    if (!(await claimAnnouncement(stores, request, target))) return false;
    await stores.outbox.enqueue(message);
    return true;
  });
  if (!queued) return undefined;
  ctx.signals.notificationQueued?.(message.id);
  return message;
}
