import type { IntakePacer } from './intake-pacer';

/**
 * Admission of new work under load. A CIBA flow in flight has an owner who has
 * already approved, or a client about to collect its tokens; a new backchannel
 * request only starts one more. When requests pile up, the provider finishes what it
 * started first: "intake" requests (backchannel authentication, client registration)
 * run at most `limit` at a time, the rest wait their turn in arrival order, and every
 * other request (token, owner decisions, userinfo, …) is never held back. Intake
 * requests beyond `maxQueue` waiting are refused at once (503, Retry-After) rather
 * than left to time out. A slot is handed on after `maxHoldMs` even if its request is
 * still running (waiting on a client's jwks_uri, say), so one slow request cannot hold
 * up the others for long.
 *
 * While a request that finishes started work is being served (a token request, an
 * owner's approval or denial: see {@link IntakeGate.finishing}), intake runs one request
 * at a time instead of `limit`: the CPU goes to the flows whose owner is waiting first,
 * and one intake request still makes progress, so a steady stream of token requests
 * cannot starve new ones.
 *
 * With an {@link IntakePacer}, a waiting intake request is also admitted only when the
 * pacer has an admission due: while the provider is busy, intake then arrives at an even
 * rate instead of in bursts (see IntakePacer for why).
 *
 * @example
 * const gate = new IntakeGate({ limit: 4, maxQueue: 10_000 });
 * const release = gate.tryEnter() ?? (gate.full ? refuse() : await gate.wait());
 * try { … } finally { release(); }
 */
export class IntakeGate {
  readonly limit: number;
  readonly maxQueue: number;
  readonly maxHoldMs: number;
  private running = 0;
  /** Finishing requests being served now. */
  private finishingNow = 0;
  private readonly waiting: Array<(release: () => void) => void> = [];
  private readonly pacer?: IntakePacer;
  /** Set while a timer waits for the pacer's next admission. */
  private pacingTimer?: NodeJS.Timeout;

  constructor(options: { limit: number; maxQueue: number; maxHoldMs?: number; pacer?: IntakePacer }) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    this.limit = options.limit;
    this.maxQueue = options.maxQueue;
    this.maxHoldMs = options.maxHoldMs ?? 250;
    this.pacer = options.pacer;
  }

  /** Intake requests holding a slot now. */
  get active(): number {
    return this.running;
  }

  /** Intake requests waiting for a slot. */
  get queued(): number {
    return this.waiting.length;
  }

  /** True when another waiter would exceed maxQueue. */
  get full(): boolean {
    return this.waiting.length >= this.maxQueue;
  }

  /** How many intake requests may run now: `limit`, or one while finishing requests are served. */
  get currentLimit(): number {
    return this.finishingNow > 0 ? 1 : this.limit;
  }

  /** A slot now, as its release function, or undefined when none is free (or others wait). */
  tryEnter(): (() => void) | undefined {
    if (this.running >= this.currentLimit || this.waiting.length > 0 || !this.paced()) return undefined;
    this.running++;
    return this.slot();
  }

  /**
   * Note a finishing request (one that completes a flow already started) until the
   * returned function is called, once it has been answered. Meanwhile intake runs one
   * request at a time; slots freed meanwhile are handed on when the last one ends.
   */
  finishing(): () => void {
    this.finishingNow++;
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      this.finishingNow--;
      this.pump();
    };
  }

  /** Wait for a slot (FIFO); resolves with its release function. */
  wait(): Promise<() => void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** A held slot: released once, by its request or by the hold timer, whichever comes first. */
  private slot(): () => void {
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      clearTimeout(timer);
      this.running--;
      this.pump();
    };
    const timer = setTimeout(release, this.maxHoldMs);
    timer.unref();
    return release;
  }

  /** Hand free slots to waiters, oldest first, as the pacer allows. */
  private pump(): void {
    while (this.running < this.currentLimit && this.waiting.length > 0 && this.paced()) {
      this.running++;
      this.waiting.shift()!(this.slot());
    }
  }

  /** True when the pacer (if any) has an admission due; otherwise a timer pumps once it has. */
  private paced(): boolean {
    if (!this.pacer || this.pacer.tryTake()) return true;
    if (!this.pacingTimer) {
      this.pacingTimer = setTimeout(
        () => {
          this.pacingTimer = undefined;
          this.pump();
        },
        Math.max(1, Math.ceil(this.pacer.delayMs())),
      );
      // Waiting requests keep their sockets, and the server the process, alive.
      this.pacingTimer.unref();
    }
    return false;
  }
}
