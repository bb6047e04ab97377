import type { ProviderContext } from '../context';
import type { AuthRequest } from '../domain/auth-request';

/**
 * Tell the owner's authentication device(s) about the new request (CIBA §7.3: the
 * AD interaction happens after the acknowledgement) and record the audit event
 * `auth_request.created`. A failing notifier is logged and never fails the request.
 */
export async function announceAuthRequest(ctx: ProviderContext, request: AuthRequest, signed: boolean): Promise<void> {
  ctx.signals.ownerRequestCreated(request.sub);
  const logFailure = (err: unknown) =>
    ctx.logger.warn('owner notification failed', {
      authRequestId: request.id,
      errorName: (err as Error | undefined)?.name,
      errorMessage: (err as Error | undefined)?.message,
    });
  try {
    const pending = ctx.notifier.notify(request);
    if (pending) pending.catch(logFailure);
  } catch (err) {
    logFailure(err);
  }
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
