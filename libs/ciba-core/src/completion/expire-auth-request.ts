import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import { enqueueNotification, pingBody, pushErrorBody } from '../delivery/notification-message';
import { announceAuthRequestUpdate } from '../ports/owner-notifier.port';

/**
 * Move a ping/push request that outlived `expiresAt` from pending to expired and tell
 * the client: ping gets the usual callback (CIBA §10.2; its token request then gets
 * `expired_token`, CIBA §11), push gets the error payload with `expired_token` (CIBA §12).
 * Poll requests are left as they are: their expiry is read from `expiresAt`.
 * Returns false when the request was not pending any more (someone else moved it).
 */
export async function expireAuthRequest(ctx: ProviderContext, request: AuthRequest): Promise<boolean> {
  if (request.deliveryMode === 'poll') return false;
  const client = await ctx.stores.clients.find(request.clientId);
  const now = ctx.clock.now();
  const outcome = await ctx.stores.transaction(async (stores) => {
    const expired = await stores.authRequests.transition(request.id, 'pending', { status: 'expired' });
    if (!expired) return undefined;
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'auth_request.expired',
      clientId: expired.clientId,
      sub: expired.sub,
      authRequestId: expired.id,
    });
    const authReqId = expired.deliveryAuthReqId ?? '';
    const body =
      expired.deliveryMode === 'ping'
        ? pingBody(authReqId)
        : pushErrorBody(authReqId, 'expired_token', 'the authentication request expired before the owner answered');
    return { expired, message: await enqueueNotification(ctx, stores, expired, client, body) };
  });
  if (!outcome) return false;
  if (!outcome.message) {
    ctx.logger.warn('expired request could not be notified', { authRequestId: request.id, clientId: request.clientId });
  }
  ctx.signals.authRequestCompleted(request.id);
  if (outcome.message)
    ctx.signals.notificationQueued?.(outcome.message.id, outcome.message.leased ? outcome.message : undefined);
  announceAuthRequestUpdate(ctx, outcome.expired);
  return true;
}
