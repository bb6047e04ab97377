import { MemoryRelayLedger } from '../memory/memory-bridge-store';
import { DEFAULT_RELAY_RETENTION_MS, RequestLedger } from './request-ledger';

function setup(retentionMs?: number) {
  let now = 1_000_000;
  const store = new MemoryRelayLedger();
  const ledger = new RequestLedger(store, { now: () => now }, retentionMs);
  return { ledger, store, advance: (ms: number) => (now += ms), now: () => now };
}
const entry = { deviceId: 'hu-1', requestId: 'r1', kind: 'verification' as const, fingerprint: 'f1' };

describe('request ledger', () => {
  it('stamps a claimed entry with the clock and refuses a second claim of the same key', async () => {
    const { ledger } = setup();
    const first = await ledger.claim(entry);
    expect(first).toMatchObject({ outcome: 'created', record: { state: 'relayed', createdAt: 1_000_000 } });
    expect(await ledger.claim({ ...entry, fingerprint: 'f2' })).toMatchObject({
      outcome: 'exists',
      record: { fingerprint: 'f1' },
    });
  });

  it('stores one outcome only: a second outcome, or one after a cancellation, is refused', async () => {
    const { ledger } = setup();
    await ledger.claim(entry);
    await ledger.claim({ ...entry, requestId: 'r2' });
    const denied = { status: 'denied' as const, error: 'access_denied' };
    expect(await ledger.storeOutcome('hu-1', 'r1', denied, 'ar-1')).toBe(true);
    expect(await ledger.storeOutcome('hu-1', 'r1', { status: 'expired', error: 'expired_token' })).toBe(false);
    expect(await ledger.find('hu-1', 'r1')).toMatchObject({
      state: 'result_ready',
      outcome: denied,
      authReqId: 'ar-1',
    });
    await ledger.cancel('hu-1', 'r2');
    expect(await ledger.storeOutcome('hu-1', 'r2', denied)).toBe(false);
  });

  it('tells waiters when a relay in progress has answered, and forgets it afterwards', async () => {
    const { ledger } = setup();
    expect(ledger.settled('hu-1', 'r1')).toBeUndefined();
    const done = ledger.begin('hu-1', 'r1');
    const waiting = ledger.settled('hu-1', 'r1');
    expect(ledger.settled('hu-1', 'r2')).toBeUndefined();
    expect(ledger.settled('hu-2', 'r1')).toBeUndefined();
    let resolved = false;
    void waiting!.then(() => (resolved = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(resolved).toBe(false);
    done();
    await waiting;
    expect(resolved).toBe(true);
    expect(ledger.settled('hu-1', 'r1')).toBeUndefined();
  });

  it('releases an unanswered entry so that the same request id can be claimed again', async () => {
    const { ledger } = setup();
    await ledger.claim(entry);
    await ledger.release('hu-1', 'r1');
    expect(await ledger.claim(entry)).toMatchObject({ outcome: 'created' });
  });

  it('sweeps entries unchanged for longer than the retention time, and only those', async () => {
    const { ledger, advance } = setup();
    await ledger.claim(entry);
    advance(DEFAULT_RELAY_RETENTION_MS - 1000);
    await ledger.claim({ ...entry, requestId: 'r2' });
    advance(1001);
    expect(await ledger.sweep()).toBe(1);
    expect(await ledger.find('hu-1', 'r1')).toBeUndefined();
    expect(await ledger.find('hu-1', 'r2')).toBeDefined();
  });

  it('takes its retention time from the options', async () => {
    const { ledger, advance } = setup(60_000);
    await ledger.claim(entry);
    advance(60_000);
    expect(await ledger.sweep()).toBe(0);
    advance(1);
    expect(await ledger.sweep()).toBe(1);
  });
});
