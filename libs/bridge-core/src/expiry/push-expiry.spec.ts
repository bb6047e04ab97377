import type { BridgeMessage } from '@onboard/mqtt-contract';
import { silentLogger } from '@onboard/platform';
import { ResultDelivery } from '../delivery/result-delivery';
import { MemoryRelayLedger } from '../memory/memory-bridge-store';
import { PendingPushes } from '../relay/pending-pushes';
import { RequestLedger } from '../relay/request-ledger';
import { PushExpiry } from './push-expiry';

const T0 = 1_000_000;

function setup(options: { pushGraceMs?: number } = {}) {
  let now = T0;
  const clock = { now: () => now };
  const store = new MemoryRelayLedger();
  const ledger = new RequestLedger(store, clock);
  const published: BridgeMessage[] = [];
  const delivery = new ResultDelivery({
    ledger,
    publisher: { publish: async (_d, m) => void published.push(m), isConnected: () => true },
    clock,
    logger: silentLogger,
  });
  const pending = new PendingPushes(ledger);
  const expiry = new PushExpiry({ ledger, pending, delivery, clock, logger: silentLogger, ...options });
  /** A verification acknowledged with `expiresIn` seconds, waiting for its push. */
  const waiting = async (requestId: string, expiresIn?: number) => {
    await ledger.claim({ deviceId: 'hu-1', requestId, kind: 'verification', fingerprint: requestId });
    pending.track({ deviceId: 'hu-1', requestId, tokenHash: `h-${requestId}` });
    if (expiresIn === undefined) return;
    const ack = { authReqId: `ar-${requestId}`, authExpiresAt: now + expiresIn * 1000 };
    pending.acknowledged(`h-${requestId}`, ack);
    await ledger.acknowledge('hu-1', requestId, ack);
  };
  return { expiry, ledger, pending, published, waiting, store, at: (t: number) => (now = t) };
}

afterEach(() => jest.useRealTimers());

describe('push expiry', () => {
  it('uses the grace period it is given', async () => {
    const { expiry, waiting, at, ledger } = setup({ pushGraceMs: 5_000 });
    await waiting('r1', 10);
    at(T0 + 14_999);
    expect(await expiry.expireOverdue()).toBe(0);
    at(T0 + 15_000);
    expect(await expiry.expireOverdue()).toBe(1);
    expect((await ledger.find('hu-1', 'r1'))?.outcome).toMatchObject({ status: 'expired', error: 'expired_token' });
  });

  it('never expires a request the provider has not acknowledged yet', async () => {
    const { expiry, waiting, at, pending } = setup();
    await waiting('r1');
    at(T0 + 365 * 24 * 3600_000);
    expect(await expiry.expireOverdue()).toBe(0);
    expect(pending.size).toBe(1);
    expiry.close();
  });

  it('shares one pass between concurrent calls, so a request is expired once', async () => {
    const { expiry, waiting, at, store, published } = setup();
    await waiting('r1', 1);
    at(T0 + 3600_000);
    const storeOutcome = jest.spyOn(store, 'storeOutcome');
    const [a, b] = await Promise.all([expiry.expireOverdue(), expiry.expireOverdue()]);
    expect(a).toBe(1);
    expect(b).toBe(1);
    expect(storeOutcome).toHaveBeenCalledTimes(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(published.filter((m) => m.type === 'result')).toHaveLength(1);
  });

  it('arms its timer when a push starts waiting and stops it after the last one is settled', async () => {
    jest.useFakeTimers({ now: T0 });
    const { expiry, waiting, at } = setup({ pushGraceMs: 0 });
    expect(jest.getTimerCount()).toBe(0);
    await waiting('r1', 1);
    expect(jest.getTimerCount()).toBe(1);
    at(T0 + 1000);
    await jest.advanceTimersByTimeAsync(30_000);
    expect(jest.getTimerCount()).toBe(0);
    expiry.close();
  });
});
