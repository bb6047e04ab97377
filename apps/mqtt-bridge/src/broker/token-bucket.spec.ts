import { TokenBucketLimiter } from './token-bucket';

describe('token bucket limiter', () => {
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  beforeEach(() => (clock.t = 0));

  it('allows a burst, then refills at the sustained rate', () => {
    const limiter = new TokenBucketLimiter(clock, { capacity: 3, refillPerSecond: 1 });
    expect([1, 2, 3, 4].map(() => limiter.take('a'))).toEqual([true, true, true, false]);
    clock.t = 999;
    expect(limiter.take('a')).toBe(false);
    clock.t = 2000;
    expect(limiter.take('a')).toBe(true);
    expect(limiter.take('b')).toBe(true);
  });

  it('forgets idle keys instead of growing without bound', () => {
    const limiter = new TokenBucketLimiter(clock, { capacity: 1, refillPerSecond: 1, maxKeys: 2 });
    limiter.take('a');
    limiter.take('b');
    expect(limiter.take('c')).toBe(false); // a and b are still empty
    clock.t = 5000;
    expect(limiter.take('c')).toBe(true);
    expect(limiter.size).toBe(1);
  });
});
