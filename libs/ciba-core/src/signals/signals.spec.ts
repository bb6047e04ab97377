import { createSignals, signalsOwnerNotifier } from './signals';
import { WaitCancellation } from './wait-cancellation';
import type { AuthRequest } from '../domain/auth-request';

describe('createSignals', () => {
  it('wakes a completion waiter when its request completes and forgets it', async () => {
    const signals = createSignals();
    const started = Date.now();
    const woke = signals.waitForCompletion('r1', 10_000);
    expect(signals.waiterCount().completion).toBe(1);
    signals.authRequestCompleted('r1');
    await woke;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(signals.waiterCount().completion).toBe(0);
  });

  it('does not wake waiters of another request', async () => {
    const signals = createSignals();
    let woke = false;
    void signals.waitForCompletion('r1', 60).then(() => (woke = true));
    signals.authRequestCompleted('r2');
    await new Promise((r) => setImmediate(r));
    expect(woke).toBe(false);
    await new Promise((r) => setTimeout(r, 100));
    expect(woke).toBe(true);
  });

  it('removes a waiter when its timeout fires', async () => {
    const signals = createSignals();
    await signals.waitForOwnerRequest('alice', 20);
    expect(signals.waiterCount().owner).toBe(0);
  });

  it('removes a waiter when its wait is cancelled, and resolves it', async () => {
    const signals = createSignals();
    const cancellation = new WaitCancellation();
    const woke = signals.waitForOwnerRequest('alice', 60_000, cancellation);
    expect(signals.waiterCount().owner).toBe(1);
    cancellation.cancel();
    await woke;
    expect(signals.waiterCount().owner).toBe(0);
    cancellation.cancel(); // a second call does nothing
    expect(cancellation.cancelled).toBe(true);
  });

  it('resolves at once for an already cancelled wait without registering', async () => {
    const signals = createSignals();
    const cancellation = new WaitCancellation();
    cancellation.cancel();
    await signals.waitForCompletion('r1', 60_000, cancellation);
    expect(signals.waiterCount().completion).toBe(0);
  });

  it('leaves a cancellation inert once its waiter was woken', async () => {
    const signals = createSignals();
    const cancellation = new WaitCancellation();
    const woke = signals.waitForOwnerRequest('dave', 60_000, cancellation);
    signals.ownerRequestCreated('dave');
    await woke;
    // A new waiter for the same owner is not released by the old cancellation.
    const next = signals.waitForOwnerRequest('dave', 60_000);
    cancellation.cancel();
    expect(signals.waiterCount().owner).toBe(1);
    signals.ownerRequestCreated('dave');
    await next;
  });

  it('wakes every waiter of one owner at once', async () => {
    const signals = createSignals();
    const all = Promise.all([signals.waitForOwnerRequest('bob', 60_000), signals.waitForOwnerRequest('bob', 60_000)]);
    expect(signals.waiterCount().owner).toBe(2);
    signals.ownerRequestCreated('bob');
    await all;
    expect(signals.waiterCount().owner).toBe(0);
  });

  it('handles ten thousand concurrent waiters and leaves none behind', async () => {
    const signals = createSignals();
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 10_000; i++) waits.push(signals.waitForCompletion(`r${i}`, i % 2 ? 30 : 60_000));
    expect(signals.waiterCount().completion).toBe(10_000);
    // The even half waits 60 s: it can only settle within the test's timeout by being completed.
    for (let i = 0; i < 10_000; i += 2) signals.authRequestCompleted(`r${i}`);
    await Promise.all(waits);
    expect(signals.waiterCount().completion).toBe(0);
  });

  it('delivers outbox wake-ups to subscribers until they unsubscribe', () => {
    const signals = createSignals();
    const seen: string[] = [];
    const off = signals.onNotificationQueued!((id) => seen.push(id));
    signals.notificationQueued!('m1');
    off();
    signals.notificationQueued!('m2');
    expect(seen).toEqual(['m1']);
  });

  it('provides an owner notifier that wakes the owner devices', async () => {
    const signals = createSignals();
    const woke = signals.waitForOwnerRequest('carol', 60_000);
    await signalsOwnerNotifier(signals).notify({ sub: 'carol' } as AuthRequest);
    await woke;
    expect(signals.waiterCount().owner).toBe(0);
  });
});
