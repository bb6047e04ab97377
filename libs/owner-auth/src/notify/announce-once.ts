import type { AuthRequest, Stores } from '@onboard/ciba-core';

/** How long an announcement record outlives its request (a late retry still finds it). */
const KEEP_AFTER_EXPIRY_MS = 24 * 60 * 60 * 1000;

/**
 * Announce a request once per target (an owner device's push subscription, a client's
 * webhook): records `(request, target)` durably, in the caller's transaction, before the
 * notification is queued. True the first time; false for every later call, after a retry or
 * a restart alike, so nothing is announced twice. The record is a consume-once marker of the
 * replay store (unique key), kept until a day after the request expires.
 *
 * @example
 * await stores.transaction(async (tx) => {
 *   if (await claimAnnouncement(tx, request, `push:${subscription.id}`)) await tx.outbox.enqueue(message);
 * });
 */
export function claimAnnouncement(stores: Stores, request: AuthRequest, target: string): Promise<boolean> {
  return stores.replay.consume(`owner-announce:${request.id}:${target}`, request.expiresAt + KEEP_AFTER_EXPIRY_MS);
}
