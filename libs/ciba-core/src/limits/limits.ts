import type { ProviderContext } from '../context';
import { RateLimited } from '../errors/oauth-error';
import { SourceFailures, type LimitStore, type Limiter } from '@onboard/platform';
import type { LimitName } from './limit-names';

/**
 * The guessing and flooding limits of the provider (README, "Limits"), each a rule of the
 * store's {@link LimitStore}, so their counters are shared by every replica on one database.
 * Their names and events are in limit-names.ts.
 */
/** Whose authentication failed: a client, an owner device or the admin token. */
export type AuthKind = 'client' | 'owner_device' | 'admin';

const AUTH_LIMIT: Record<AuthKind, LimitName> = {
  client: 'auth_client',
  owner_device: 'auth_owner_device',
  admin: 'auth_admin',
};

/** The owner's user code: `userCodeMaxFailures` wrong codes, then locked for `userCodeLockSeconds`. */
export function userCodeOwnerLimiter(ctx: ProviderContext): Limiter {
  const l = ctx.settings.limits;
  return ctx.stores.limits.limiter({
    name: 'user_code_owner',
    points: l.userCodeMaxFailures,
    windowSeconds: l.userCodeLockSeconds,
    blockSeconds: l.userCodeLockSeconds,
  });
}

/** Wrong user codes of one client, whatever the owner (a client spraying guesses over many owners). */
export function userCodeClientLimiter(ctx: ProviderContext): Limiter {
  const l = ctx.settings.limits;
  return ctx.stores.limits.limiter({
    name: 'user_code_client',
    points: l.userCodeClientMaxFailures,
    windowSeconds: l.userCodeLockSeconds,
    blockSeconds: l.userCodeLockSeconds,
  });
}

/** New requests of one client for one owner per window (approval fatigue). */
export function clientOwnerRequestLimiter(ctx: ProviderContext): Limiter {
  const l = ctx.settings.limits;
  return ctx.stores.limits.limiter({
    name: 'client_owner_requests',
    points: l.clientOwnerRequests,
    windowSeconds: l.clientOwnerWindowSeconds,
  });
}

/** Failed authentications of each kind per source, for each store (see {@link SourceFailures}). */
const sourceFailures = new WeakMap<LimitStore, Map<string, SourceFailures>>();
function failuresOf(ctx: ProviderContext, kind: AuthKind): SourceFailures {
  const l = ctx.settings.limits;
  let byRule = sourceFailures.get(ctx.stores.limits);
  if (!byRule) sourceFailures.set(ctx.stores.limits, (byRule = new Map()));
  const rule = {
    name: AUTH_LIMIT[kind],
    points: l.authFailuresPerSource,
    windowSeconds: l.authFailureWindowSeconds,
    blockSeconds: l.authBlockSeconds,
  };
  const id = `${rule.name}/${rule.points}/${rule.windowSeconds}/${rule.blockSeconds}`;
  let failures = byRule.get(id);
  if (!failures) byRule.set(id, (failures = new SourceFailures(ctx.stores.limits.limiter(rule))));
  return failures;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
/** A time as the wire shows it: ISO 8601 UTC, whole seconds. */
export const untilIso = (ctx: ProviderContext, retryAfterMs: number) =>
  new Date(ctx.clock.now() + seconds(retryAfterMs) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * Refuse a source address that failed to authenticate (as a `kind`) too often: 429
 * `slow_down` with `Retry-After`, before any credential is looked at, so a blocked
 * brute-forcer learns nothing, not even from a right guess. Requests without an address
 * (never over HTTP) are not limited.
 *
 * @throws RateLimited while the source is blocked.
 */
export async function refuseBlockedSource(ctx: ProviderContext, kind: AuthKind, source: string | undefined) {
  if (source === undefined) return;
  const state = await failuresOf(ctx, kind).check(source);
  if (state.allowed) return;
  ctx.metrics.limit?.(AUTH_LIMIT[kind], 'refused');
  throw new RateLimited(
    `too many failed authentications from this address; try again in ${seconds(state.retryAfterMs)} seconds`,
    seconds(state.retryAfterMs),
  );
}

/**
 * Count a failed authentication of `kind` from `source` and log it: the source, the
 * registered client or device it named (when it exists), never the secret presented.
 */
export async function countAuthFailure(
  ctx: ProviderContext,
  kind: AuthKind,
  source: string | undefined,
  fields: { clientId?: string; deviceId?: string; endpoint?: string } = {},
): Promise<void> {
  ctx.metrics.limit?.(AUTH_LIMIT[kind], 'failure');
  if (source === undefined) {
    ctx.logger.warn('authentication failed', { kind, ...fields });
    return;
  }
  const state = await failuresOf(ctx, kind).fail(source);
  ctx.logger.warn('authentication failed', {
    kind,
    source,
    ...fields,
    ...(state.allowed ? {} : { blockedUntil: untilIso(ctx, state.retryAfterMs) }),
  });
  if (!state.allowed) ctx.metrics.limit?.(AUTH_LIMIT[kind], 'locked');
}

/**
 * Unlock an owner's user code (the owner from their device, or an operator): wrong codes
 * counted so far are forgotten and the lock, if any, ends now.
 */
export async function unlockUserCode(ctx: ProviderContext, sub: string): Promise<void> {
  await userCodeOwnerLimiter(ctx).reset(sub);
  ctx.metrics.limit?.('user_code_owner', 'unlocked');
  await ctx.stores.audit.append({ id: ctx.random.uuid(), at: ctx.clock.now(), type: 'owner.user_code_unlocked', sub });
}

/** Passkey attempts (enrolment, sign-in, approval) per source address, or per owner. */
function passkeyLimiter(ctx: ProviderContext, per: 'source' | 'owner'): Limiter {
  const l = ctx.settings.limits;
  return ctx.stores.limits.limiter({
    name: per === 'source' ? 'passkey_source' : 'passkey_owner',
    points: per === 'source' ? l.passkeyAttemptsPerSource : l.passkeyAttemptsPerOwner,
    windowSeconds: l.passkeyWindowSeconds,
  });
}

/**
 * Count one passkey attempt (an enrolment, sign-in or approval step of the owner app) for
 * the source address and, once known, for the owner: over either limit it is refused with
 * 429 `slow_down` and `Retry-After`, before any WebAuthn verification. Requests without an
 * address (never over HTTP) count only for the owner.
 *
 * @throws RateLimited when the source or the owner made too many attempts in the window.
 */
export async function limitPasskeyAttempt(ctx: ProviderContext, who: { source?: string; sub?: string }): Promise<void> {
  const checks: Array<['source' | 'owner', string]> = [];
  if (who.source !== undefined) checks.push(['source', who.source]);
  if (who.sub !== undefined) checks.push(['owner', who.sub]);
  for (const [per, key] of checks) {
    const state = await passkeyLimiter(ctx, per).consume(key);
    if (state.allowed) continue;
    const name = per === 'source' ? 'passkey_source' : 'passkey_owner';
    ctx.metrics.limit?.(name, 'refused');
    const wait = seconds(state.retryAfterMs);
    ctx.logger.warn('passkey attempts refused', { limit: name, ...(per === 'source' ? { source: key } : {}) });
    throw new RateLimited(
      per === 'source'
        ? `too many passkey attempts from this address; try again in ${wait} seconds`
        : `too many passkey attempts for this account; try again in ${wait} seconds`,
      wait,
    );
  }
}
