import { performance } from 'node:perf_hooks';

/** Options of {@link IntakePacer}. */
export interface IntakePacerOptions {
  /**
   * How much faster than the recent peak new intake may be admitted while the provider
   * is busy: 1.15 lets admissions grow by 15 % per window over the highest rate of the
   * last `windows` windows. Must be greater than 1.
   */
  headroom: number;
  /** Length of one measurement window, ms. Default 100. */
  windowMs?: number;
  /** Windows the recent peak is taken over. Default 10 (one second). */
  windows?: number;
  /** Admissions that may go at once, as ms of the current rate (the bucket's depth). Default 4. */
  burstMs?: number;
  /** At or above this event-loop utilization in the last window the provider counts as busy. Default 0.7. */
  busyUtilization?: number;
  /** Pacing never goes slower than this many admissions per second. Default 50. */
  minRate?: number;
  /** Monotonic clock, ms. Default performance.now. */
  now?: () => number;
  /** Event-loop utilization (0…1) since the previous call. Default: the process's own. */
  utilization?: () => number;
}

/**
 * The event-loop utilization of this thread since the previous call (Node's
 * `performance.eventLoopUtilization`): the share of the time the loop was not waiting
 * for I/O.
 */
export function eventLoopUtilizationSinceLastCall(): () => number {
  let last = performance.eventLoopUtilization();
  return () => {
    const current = performance.eventLoopUtilization();
    const { utilization } = performance.eventLoopUtilization(current, last);
    last = current;
    return utilization;
  };
}

/**
 * Paces the admission of new work (intake: backchannel authentication, registration)
 * while the provider is busy, so that intake arrives evenly instead of in bursts.
 *
 * Why: a burst of new requests admitted together turns, a moment later, into a burst of
 * owner decisions and then of token requests; each of those queues behind the others
 * at every step, and the flows at the end of the burst wait for the whole burst. At
 * saturation the bursts feed themselves: while a burst of flows finishes, intake runs
 * one request at a time (see IntakeGate); once it has finished, intake surges and makes
 * the next burst. Admitting intake at an even rate breaks that cycle.
 *
 * How: time is cut into windows (`windowMs`). At the end of each window the pacer looks
 * at the event-loop utilization of that window. Below `busyUtilization` the provider has
 * capacity to spare and nothing is paced. At or above it, admissions are limited to
 * `headroom` × the highest admission rate of the last `windows` windows (never below
 * `minRate`), through a token bucket `burstMs` deep. The limit follows the provider's
 * actual throughput: it rises by up to `headroom` per window while admissions keep up
 * with it, and falls within `windows` windows when the provider slows down.
 *
 * @example
 * const pacer = new IntakePacer({ headroom: 1.15 });
 * if (pacer.tryTake()) admit(); else setTimeout(retry, pacer.delayMs());
 */
export class IntakePacer {
  readonly headroom: number;
  private readonly windowMs: number;
  private readonly burstMs: number;
  private readonly busyUtilization: number;
  private readonly minRate: number;
  private readonly now: () => number;
  private readonly utilization: () => number;
  /** Admission rates (per second) of the last windows, a ring. */
  private readonly peaks: Float64Array;
  private peakAt = 0;
  private windowStart: number;
  private admittedInWindow = 0;
  /** Admissions per second allowed now; Infinity while not pacing. */
  private currentRate = Infinity;
  private tokens = 0;
  private refilledAt: number;

  constructor(options: IntakePacerOptions) {
    if (!(options.headroom > 1)) throw new RangeError('headroom must be greater than 1');
    this.headroom = options.headroom;
    this.windowMs = options.windowMs ?? 100;
    this.burstMs = options.burstMs ?? 4;
    this.busyUtilization = options.busyUtilization ?? 0.7;
    this.minRate = options.minRate ?? 50;
    this.now = options.now ?? (() => performance.now());
    this.utilization = options.utilization ?? eventLoopUtilizationSinceLastCall();
    this.peaks = new Float64Array(options.windows ?? 10);
    this.windowStart = this.now();
    this.refilledAt = this.windowStart;
  }

  /** Admissions per second allowed now (Infinity while the provider is not busy). */
  get rate(): number {
    return this.currentRate;
  }

  /** Take one admission if one is due now; false when the caller must wait ({@link delayMs}). */
  tryTake(): boolean {
    const now = this.now();
    this.roll(now);
    if (this.currentRate !== Infinity) {
      this.refill(now);
      if (this.tokens < 1) return false;
      this.tokens -= 1;
    }
    this.admittedInWindow++;
    return true;
  }

  /** Milliseconds until the next admission is due (0 when one is due now). */
  delayMs(): number {
    if (this.currentRate === Infinity) return 0;
    this.refill(this.now());
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) * 1000) / this.currentRate;
  }

  /** Close the measurement window once it is over and set the rate for the next one. */
  private roll(now: number): void {
    const elapsed = now - this.windowStart;
    if (elapsed < this.windowMs) return;
    this.peaks[this.peakAt] = (this.admittedInWindow * 1000) / elapsed;
    this.peakAt = (this.peakAt + 1) % this.peaks.length;
    const busy = this.utilization() >= this.busyUtilization;
    const next = busy ? Math.max(this.minRate, this.headroom * Math.max(...this.peaks)) : Infinity;
    if (this.currentRate === Infinity && next !== Infinity) {
      // Pacing starts with a full bucket.
      this.tokens = this.depth(next);
      this.refilledAt = now;
    } else if (next !== Infinity) {
      this.refill(now);
    }
    this.currentRate = next;
    this.windowStart = now;
    this.admittedInWindow = 0;
  }

  private refill(now: number): void {
    const rate = this.currentRate;
    this.tokens = Math.min(this.depth(rate), this.tokens + ((now - this.refilledAt) * rate) / 1000);
    this.refilledAt = now;
  }

  private depth(rate: number): number {
    return Math.max(1, (rate * this.burstMs) / 1000);
  }
}
