import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import { fireOwnerNotifier } from '../ports/owner-notifier.port';

/**
 * Tell the owner's authentication device(s) about the new request (CIBA §7.3: the
 * AD interaction happens after the acknowledgement) and record the audit event
 * `auth_request.created`. A failing notifier is logged and never fails the request.
 */
export async function announceAuthRequest(ctx: ProviderContext, request: AuthRequest, signed: boolean): Promise<void> {
  ctx.signals.ownerRequestCreated(request.sub);
  fireOwnerNotifier(ctx, request, 'owner notification failed', (n) => n.notify(request));
  await ctx.stores.audit.append({
    id: ctx.random.uuid(),
    at: request.createdAt,
    type: 'auth_request.created',
    clientId: request.clientId,
    sub: request.sub,
    authRequestId: request.id,
    data: { deliveryMode: request.deliveryMode, signed, expiresAt: request.expiresAt },
  });
}
