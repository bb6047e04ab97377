import type { Clock, Logger } from '@onboard/platform';
import type { ResultDelivery } from '../delivery/result-delivery';
import { errorOutcome } from '../relay/provider-outcome';
import type { PendingPushes } from '../relay/pending-pushes';
import type { RequestLedger } from '../relay/request-ledger';

/** Default wait for the provider's push past an auth request's expiry. */
export const DEFAULT_PUSH_GRACE_MS = 60_000;
/** Default period of the expiry check of requests waiting for a push. */
export const DEFAULT_EXPIRY_CHECK_INTERVAL_MS = 30_000;

export interface PushExpiryDependencies {
  ledger: RequestLedger;
  pending: PendingPushes;
  delivery: ResultDelivery;
  clock: Clock;
  logger: Logger;
  /**
   * How long past an auth request's expiry (its `expires_in`) the bridge still waits for the
   * provider's push before it tells the device `expired` itself. The provider pushes
   * `expired_token` when a request expires (CIBA §12); this covers the push that never comes
   * (provider down, push lost). Default 60 seconds.
   */
  pushGraceMs?: number;
  /** How often requests waiting for a push are checked for expiry. Default 30 seconds. */
  checkIntervalMs?: number;
}

/**
 * Ends requests whose push has not come by their expiry plus a grace period with an `expired`
 * result (`expired_token`, docs/protocol.md §6.6), stored and delivered like a pushed one. One
 * timer, unref'd, runs only while requests wait for a push; {@link close} stops it for good.
 *
 * @example
 * const expiry = new PushExpiry({ ledger, pending, delivery, clock, logger });
 * await expiry.expireOverdue(); // what the timer runs
 * expiry.close(); // on shutdown
 */
export class PushExpiry {
  private readonly graceMs: number;
  private readonly intervalMs: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private closed = false;

  constructor(private readonly deps: PushExpiryDependencies) {
    this.graceMs = deps.pushGraceMs ?? DEFAULT_PUSH_GRACE_MS;
    this.intervalMs = deps.checkIntervalMs ?? DEFAULT_EXPIRY_CHECK_INTERVAL_MS;
    deps.pending.onTracked(() => this.arm());
  }

  /**
   * Stores and publishes `expired` for every request overdue now, unless a push or a
   * cancellation got there first (the ledger's compare-and-set decides); an offline device gets
   * it when it subscribes again. Returns how many requests it ended. Concurrent calls share one pass.
   */
  expireOverdue(): Promise<number> {
    this.running ??= this.pass().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer; requests still waiting stay in the ledger. */
  close(): void {
    this.closed = true;
    this.disarm();
  }

  private arm(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(
      () =>
        void this.expireOverdue().catch((err: unknown) =>
          this.deps.logger.error('expiry check failed', { error: err instanceof Error ? err.message : 'unknown' }),
        ),
      this.intervalMs,
    );
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async pass(): Promise<number> {
    const { ledger, pending, delivery, logger } = this.deps;
    let expired = 0;
    for (const overdue of pending.expiredBy(this.deps.clock.now() - this.graceMs)) {
      const { deviceId, requestId, authReqId } = overdue;
      const outcome = errorOutcome('expired_token', 'the provider sent no result before the request expired');
      let stored: boolean;
      try {
        stored = await ledger.storeOutcome(deviceId, requestId, outcome, authReqId);
      } catch (err) {
        // kept for the next pass
        logger.error('expired result not stored', {
          deviceId,
          requestId,
          error: err instanceof Error ? err.message : 'unknown',
        });
        continue;
      }
      pending.settle(overdue);
      if (!stored) continue;
      expired++;
      logger.info('verification expired without a push from the provider', { deviceId, requestId });
      void delivery.publishResult(deviceId, requestId, authReqId, outcome);
    }
    if (pending.size === 0) this.disarm();
    return expired;
  }
}
