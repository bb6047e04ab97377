import type { ProviderContext } from '../context';
import { expireAuthRequest } from '../completion/expire-auth-request';

/** What one sweep did. */
export interface SweepResult {
  /** Ping/push requests moved to expired (client notified). */
  expired: number;
  deletedAuthRequests: number;
  deletedReplayMarkers: number;
  deletedRefreshTokens: number;
  deletedRevocations: number;
  /** Delivered and failed ping/push messages deleted from the outbox. */
  deletedOutboxMessages: number;
}

export interface SweepOptions {
  /**
   * How long an expired auth request is kept for audit and for `expired_token` answers,
   * and a delivered or failed ping/push message after it was queued (ms). Default 1 hour.
   */
  retentionMs?: number;
  /** Max ping/push requests expired per sweep. Default 500. */
  batchSize?: number;
  /**
   * Max finished outbox messages deleted by one statement. A sweep repeats the statement
   * until one deletes fewer, at most 10 times; a larger backlog is cleared over several
   * sweeps. Default 1000 (10,000 per sweep, 2,000/s at the 5 s interval).
   */
  deleteBatchSize?: number;
}

/** Outbox delete statements per sweep at most (see {@link SweepOptions.deleteBatchSize}). */
const MAX_DELETE_BATCHES = 10;

/**
 * One maintenance pass. First, ping/push requests still pending past `expiresAt` are
 * expired and their clients told (ping: the callback, CIBA §10.2; push: the §12 error
 * payload with `expired_token`). Then rows past their lifetime are deleted through the
 * stores' expiry indexes (no full scans): auth requests expired longer than the
 * retention, replay markers, refresh tokens and revocation entries, in one transaction.
 * Last, delivered and failed outbox messages queued longer ago than the retention are
 * deleted in bounded batches, each its own statement (pending ones never are).
 *
 * @example
 * const result = await sweepExpired(ctx);
 */
export async function sweepExpired(ctx: ProviderContext, options: SweepOptions = {}): Promise<SweepResult> {
  const retentionMs = options.retentionMs ?? 3600_000;
  const batchSize = options.batchSize ?? 500;
  const deleteBatchSize = options.deleteBatchSize ?? 1000;
  const now = ctx.clock.now();
  let expired = 0;
  for (const request of await ctx.stores.authRequests.listExpiredPendingWithDelivery(now, batchSize)) {
    try {
      if (await expireAuthRequest(ctx, request)) expired++;
    } catch (error) {
      ctx.logger.error('could not expire request', {
        authRequestId: request.id,
        errorMessage: (error as Error).message,
      });
    }
  }
  // One transaction, so one commit for the four deletes (SQLite: one BEGIN/COMMIT and one
  // turn of the event loop instead of one each, even when nothing is deleted).
  const deleted = await ctx.stores.transaction(async (stores) => ({
    deletedAuthRequests: await stores.authRequests.deleteExpired(now - retentionMs),
    deletedReplayMarkers: await stores.replay.deleteExpired(now),
    deletedRefreshTokens: await stores.refreshTokens.deleteExpired(now),
    deletedRevocations: await stores.revocations.deleteExpired(now),
  }));
  // Counters of the guessing and flooding limits whose window and block are over.
  try {
    await ctx.stores.limits.deleteExpired(now);
  } catch (error) {
    ctx.logger.warn('could not delete expired limit counters', { errorMessage: (error as Error).message });
  }
  const result: SweepResult = {
    expired,
    ...deleted,
    deletedOutboxMessages: await deleteFinishedOutboxMessages(ctx, now - retentionMs, deleteBatchSize),
  };
  if (Object.values(result).some((n) => n > 0)) ctx.logger.info('maintenance sweep', { ...result });
  return result;
}

/**
 * Deletes finished outbox messages queued before `before`, batch after batch, until a
 * batch comes back short or {@link MAX_DELETE_BATCHES} have run. Each batch is a write
 * of its own that resolves once committed (with SQLite, at the end of its event-loop
 * turn), so requests are served between batches rather than behind the whole backlog.
 */
async function deleteFinishedOutboxMessages(ctx: ProviderContext, before: number, batchSize: number): Promise<number> {
  let deleted = 0;
  for (let batch = 0; batch < MAX_DELETE_BATCHES; batch++) {
    const n = await ctx.stores.outbox.deleteFinished(before, batchSize);
    deleted += n;
    if (n === 0 || n < batchSize) break;
  }
  return deleted;
}

/**
 * Runs {@link sweepExpired} on an interval timer. Overlapping sweeps are skipped;
 * `stop()` waits for a running sweep.
 *
 * @example
 * const maintenance = new Maintenance(ctx, { intervalMs: 5000 });
 * maintenance.start();
 * await maintenance.stop();
 */
export class Maintenance {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly ctx: ProviderContext,
    private readonly options: SweepOptions & { intervalMs?: number } = {},
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs ?? 5000);
    this.timer.unref();
  }

  /**
   * One sweep now, unless one is running (then that one is awaited). Each pass also
   * re-reads the signing keys and the request-object encryption keys, so a rotation made by
   * the admin CLI in another process is used for signing, and published, within one interval.
   */
  runOnce(): Promise<void> {
    this.running ??= sweepExpired(this.ctx, this.options)
      .then(() => this.ctx.keys.reload())
      .then(() => this.ctx.requestObjectKeys?.reload())
      .catch((error: unknown) =>
        this.ctx.logger.error('maintenance sweep failed', { errorMessage: (error as Error).message }),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
