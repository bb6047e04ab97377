import type { LimitState, Limiter } from '../ports/limit-store.port';
import { createMemoryLimitStore } from './flexible-limit-store';

/**
 * Failed authentications per source address, over a shared {@link Limiter} (its rule:
 * `points` failures per window, then `blockSeconds` refused). Checking a source that never
 * failed in this process reads nothing from the shared store, so the authenticated requests
 * of the hot path cost no database read; a source blocked by other replicas is refused here
 * once it has failed here once (a blocked source gains at most one attempt per replica).
 *
 * @example
 * const failures = new SourceFailures(limits.limiter({ name: 'auth_admin', points: 20, windowSeconds: 300, blockSeconds: 900 }));
 * if (!(await failures.check(ip)).allowed) refuse();
 * if (!credentialOk) await failures.fail(ip);
 */
export class SourceFailures {
  private readonly seenHere: Limiter;

  constructor(private readonly shared: Limiter) {
    this.seenHere = createMemoryLimitStore().limiter(shared.rule);
  }

  /** Refused while `source` is blocked. */
  async check(source: string): Promise<LimitState> {
    const local = await this.seenHere.check(source);
    if (local.remaining === this.shared.rule.points) return local;
    return this.shared.check(source);
  }

  /** Count one failure of `source`; refused once it is over the limit (it is then blocked). */
  async fail(source: string): Promise<LimitState> {
    await this.seenHere.consume(source);
    return this.shared.consume(source);
  }
}
