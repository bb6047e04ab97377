import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { RateLimited } from '../errors/oauth-error';
import { clientOwnerRequestLimiter } from '../limits/limits';

/**
 * Approval fatigue (README, "Limits"): one client may place at most `clientOwnerRequests`
 * new requests on one owner per `clientOwnerWindowSeconds`. Runs once the request is
 * valid and accepted, just before it is created; the excess is refused with 429
 * `slow_down` and `Retry-After` (the request is valid and would be taken later).
 *
 * @throws RateLimited when the client is over its rate for this owner.
 */
export async function checkRequestRate(ctx: ProviderContext, client: Client, owner: Owner): Promise<void> {
  const state = await clientOwnerRequestLimiter(ctx).consume(JSON.stringify([client.clientId, owner.sub]));
  if (state.allowed) return;
  ctx.metrics.limit?.('client_owner_requests', 'refused');
  const retryAfter = Math.max(1, Math.ceil(state.retryAfterMs / 1000));
  throw new RateLimited(
    `too many requests for this user from this client (at most ${ctx.settings.limits.clientOwnerRequests} per ${ctx.settings.limits.clientOwnerWindowSeconds} seconds); retry in ${retryAfter} seconds`,
    retryAfter,
  );
}
