import type { ProviderSignals } from '../context';
import type { AuthRequest } from '../domain/auth-request';
import type { OutboxMessage } from '../domain/tokens';
import type { OwnerNotifier } from '../ports/owner-notifier.port';
import type { WaitCancellation } from './wait-cancellation';

interface Waiter {
  resolve: () => void;
  timer: NodeJS.Timeout;
  cancel?: WaitCancellation;
}

/**
 * One map of waiter sets keyed by id. A waiter is removed when it is woken, when its
 * timeout fires and when its wait is cancelled, so an idle key never stays in the map.
 * Each waiter costs one closure and one Node timer (timers with the same duration share
 * a list inside Node), so thousands of concurrent long polls are cheap.
 */
class WaiterMap {
  private readonly waiters = new Map<string, Set<Waiter>>();

  wait(key: string, ms: number, cancel?: WaitCancellation): Promise<void> {
    if (cancel?.cancelled || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let set = this.waiters.get(key);
      if (!set) {
        set = new Set();
        this.waiters.set(key, set);
      }
      const waiter: Waiter = {
        resolve,
        cancel,
        timer: setTimeout(() => this.release(key, waiter), ms),
      };
      // A long poll must never keep the process alive on its own.
      waiter.timer.unref();
      cancel?.onCancel(() => this.release(key, waiter));
      set.add(waiter);
    });
  }

  wake(key: string): void {
    const set = this.waiters.get(key);
    if (!set) return;
    this.waiters.delete(key);
    for (const waiter of set) this.settle(waiter);
  }

  /** Number of waiters still registered (all keys). */
  size(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  keys(): number {
    return this.waiters.size;
  }

  private release(key: string, waiter: Waiter): void {
    const set = this.waiters.get(key);
    if (set?.delete(waiter) && set.size === 0) this.waiters.delete(key);
    this.settle(waiter);
  }

  private settle(waiter: Waiter): void {
    clearTimeout(waiter.timer);
    waiter.cancel?.onCancel(undefined);
    waiter.resolve();
  }
}

/** In-process signals plus introspection used by tests and metrics. */
export interface InProcessSignals extends ProviderSignals {
  /** Waiters currently registered, by kind. */
  waiterCount(): { completion: number; owner: number };
}

/**
 * Create the in-process signals: waiters keyed by auth request id (long-polling token
 * requests, CIBA §7.4) and by owner `sub` (long-polling owner devices), plus the outbox
 * wake-up used by the delivery worker. The store stays the source of truth: a waiter
 * that wakes must re-read it, and a wake-up that reaches no waiter is simply dropped.
 *
 * @example
 * const signals = createSignals();
 * const woke = signals.waitForCompletion(requestId, 25_000);
 * signals.authRequestCompleted(requestId); // `woke` resolves now
 */
export function createSignals(): InProcessSignals {
  const completion = new WaiterMap();
  const owner = new WaiterMap();
  const queuedListeners = new Set<(messageId: string, leased?: OutboxMessage) => void>();
  return {
    authRequestCompleted: (id) => completion.wake(id),
    waitForCompletion: (id, ms, cancel) => completion.wait(id, ms, cancel),
    ownerRequestCreated: (sub) => owner.wake(sub),
    waitForOwnerRequest: (sub, ms, cancel) => owner.wait(sub, ms, cancel),
    notificationQueued(messageId, leased) {
      for (const listener of queuedListeners) listener(messageId, leased);
    },
    deliversNotifications: () => queuedListeners.size > 0,
    onNotificationQueued(listener) {
      queuedListeners.add(listener);
      return () => queuedListeners.delete(listener);
    },
    waiterCount: () => ({ completion: completion.size(), owner: owner.size() }),
  };
}

/**
 * The default OwnerNotifier policy hook: wakes the owner's devices that long-poll the
 * owner-device API in this process. Runs after the backchannel acknowledgement is
 * decided; never throws.
 */
export function signalsOwnerNotifier(signals: ProviderSignals): OwnerNotifier {
  return {
    notify(request: AuthRequest): void {
      signals.ownerRequestCreated(request.sub);
    },
  };
}
