import type { LimitState, Limiter } from './limit-store.port';
import { createMemoryLimitStore } from './flexible-limit-store';

/**
 * Failed authentications per source address, over a shared {@link Limiter} (its rule:
 * `points` failures within the window block the source for `blockSeconds`). Checking a source that never
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

  /** Count one failure of `source`; the one that reaches `points` blocks it (refused from then on). */
  async fail(source: string): Promise<LimitState> {
    await this.seenHere.consume(source);
    const state = await this.shared.consume(source);
    return state.allowed && state.remaining === 0 ? this.shared.block(source) : state;
  }
}
