import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';
import { SlowDown } from '../../errors/oauth-error';

/** CIBA §11: how much a `slow_down` grows the interval (at least 5 s, for this and all later requests). */
export const SLOW_DOWN_STEP_SECONDS = 5;

/**
 * CIBA §7.4, §11: a poll-mode client that polls a pending request sooner than
 * `interval` after its previous poll gets `slow_down`, and the interval grows by
 * 5 s and stays grown. Every poll is recorded; a long-polling request counts
 * from its start. Ping-mode clients are not rate-checked (they call once, after
 * the notification).
 */
export async function checkPollInterval(ctx: ProviderContext, request: AuthRequest, now: number): Promise<void> {
  if (request.deliveryMode !== 'poll') return;
  if (request.lastPolledAt !== undefined && now - request.lastPolledAt < request.interval * 1000) {
    const interval = request.interval + SLOW_DOWN_STEP_SECONDS;
    await ctx.stores.authRequests.touchPoll(request.id, now, interval);
    throw new SlowDown(`poll no more often than every ${interval} seconds`);
  }
  await ctx.stores.authRequests.touchPoll(request.id, now, request.interval);
}
