/**
 * Admission of new work under load. A CIBA flow in flight has an owner who has
 * already approved, or a client about to collect its tokens; a new backchannel
 * request only starts one more. When requests pile up, the provider finishes what it
 * started first: "intake" requests (backchannel authentication, client registration)
 * run at most `limit` at a time, the rest wait their turn in arrival order, and every
 * other request (token, owner decisions, userinfo, …) is never held back. Intake
 * requests beyond `maxQueue` waiting are refused at once (503, Retry-After) rather
 * than left to time out.
 *
 * @example
 * const gate = new IntakeGate({ limit: 4, maxQueue: 10_000 });
 * if (!gate.tryEnter()) await gate.wait(); // or refuse when gate.full
 * try { … } finally { gate.leave(); }
 */
export class IntakeGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];
  readonly limit: number;
  readonly maxQueue: number;

  constructor(options: { limit: number; maxQueue: number }) {
    if (!Number.isInteger(options.limit) || options.limit < 1) throw new RangeError('limit must be a positive integer');
    this.limit = options.limit;
    this.maxQueue = options.maxQueue;
  }

  /** Intake requests running now. */
  get active(): number {
    return this.running;
  }

  /** Intake requests waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** True when another waiter would exceed maxQueue. */
  get full(): boolean {
    return this.waiting.length >= this.maxQueue;
  }

  /** Take a slot if one is free. */
  tryEnter(): boolean {
    if (this.running >= this.limit || this.waiting.length > 0) return false;
    this.running++;
    return true;
  }

  /** Wait for a slot (FIFO); the slot is held once this resolves. */
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Give the slot back; the longest-waiting request gets it. */
  leave(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
