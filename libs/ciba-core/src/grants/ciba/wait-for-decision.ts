import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';
import { AuthorizationPending } from '../../errors/oauth-error';
import { checkRequestState } from './check-request-state';

/**
 * CIBA §7.3 (long polling): hold a token request for a pending request until the
 * owner decides, `settings.longPollSeconds` pass, or the request expires, then
 * re-read it. Still pending: `authorization_pending` (CIBA §11).
 */
export async function waitForDecision(ctx: ProviderContext, request: AuthRequest, now: number): Promise<AuthRequest> {
  const waitMs = Math.min(ctx.settings.longPollSeconds * 1000, request.expiresAt - now);
  if (waitMs <= 0) throw new AuthorizationPending('the owner has not decided yet');
  await ctx.signals.waitForCompletion(request.id, waitMs);
  const reread = await ctx.stores.authRequests.find(request.id);
  if (!reread) throw new AuthorizationPending('the owner has not decided yet');
  if (checkRequestState(reread, ctx.clock.now()) === 'pending') {
    throw new AuthorizationPending('the owner has not decided yet');
  }
  return reread;
}
