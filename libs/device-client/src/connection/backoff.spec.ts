import { reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
  const bounds = { minMs: 100, maxMs: 1000 };

  it('grows exponentially from the minimum with jitter between half the bound and the bound', () => {
    expect(reconnectDelay(0, bounds, () => 0)).toBe(50);
    expect(reconnectDelay(0, bounds, () => 1)).toBe(100);
    expect(reconnectDelay(2, bounds, () => 0)).toBe(200);
    expect(reconnectDelay(2, bounds, () => 1)).toBe(400);
  });

  it('never exceeds the maximum, however many attempts failed', () => {
    expect(reconnectDelay(10, bounds, () => 1)).toBe(1000);
    expect(reconnectDelay(10_000, bounds, () => 1)).toBe(1000);
  });

  it('spreads devices that retry at the same attempt', () => {
    const delays = new Set(Array.from({ length: 50 }, () => reconnectDelay(3, bounds, Math.random)));
    expect(delays.size).toBeGreaterThan(10);
  });

  it('uses 500 ms to 30 s by default', () => {
    expect(reconnectDelay(0, {}, () => 1)).toBe(500);
    expect(reconnectDelay(20, {}, () => 1)).toBe(30_000);
  });
});
