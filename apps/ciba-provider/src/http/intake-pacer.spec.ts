import { IntakePacer, eventLoopUtilizationSinceLastCall } from './intake-pacer';

/** A pacer on a hand-driven clock whose event-loop utilization the test sets. */
function pacerAt(options: { headroom?: number; minRate?: number; burstMs?: number; windows?: number } = {}) {
  const state = { now: 0, utilization: 1 };
  const pacer = new IntakePacer({
    headroom: options.headroom ?? 1.5,
    windowMs: 100,
    windows: options.windows ?? 3,
    burstMs: options.burstMs ?? 10,
    minRate: options.minRate ?? 10,
    now: () => state.now,
    utilization: () => state.utilization,
  });
  return { pacer, state };
}

/** Takes every admission due at each millisecond of `ms`; returns how many were taken. */
function drain(pacer: IntakePacer, state: { now: number }, ms: number): number {
  let taken = 0;
  for (let end = state.now + ms; state.now < end; state.now++) while (pacer.tryTake()) taken++;
  return taken;
}

/** Admits `count` requests spread evenly over one 100 ms window. */
function admitEvenly(pacer: IntakePacer, state: { now: number }, count: number): void {
  for (let i = 0; i < count; i++) {
    expect(pacer.tryTake()).toBe(true);
    state.now += 100 / count;
  }
}

describe('IntakePacer', () => {
  it('refuses a headroom that would not let admissions grow', () => {
    expect(() => new IntakePacer({ headroom: 1 })).toThrow(RangeError);
    expect(() => new IntakePacer({ headroom: Number.NaN })).toThrow(RangeError);
  });

  it('admits everything while the provider is not busy', () => {
    const { pacer, state } = pacerAt();
    state.utilization = 0.5;
    admitEvenly(pacer, state, 20);
    // Still not busy in the window just closed: no limit, however many ask at once.
    for (let i = 0; i < 1000; i++) expect(pacer.tryTake()).toBe(true);
    expect(pacer.rate).toBe(Infinity);
    expect(pacer.delayMs()).toBe(0);
  });

  it('limits admissions to the headroom over the recent peak once the provider is busy', () => {
    const { pacer, state } = pacerAt({ headroom: 1.5 });
    admitEvenly(pacer, state, 20); // 200 per second in a busy window
    expect(pacer.tryTake()).toBe(true); // closes the window: the limit is now 1.5 x 200 per second
    expect(pacer.rate).toBeCloseTo(300, 5);
    // The next 100 ms: a full bucket (10 ms at 300/s = 3) and then 300/s.
    const taken = drain(pacer, state, 99);
    expect(taken).toBeGreaterThanOrEqual(30);
    expect(taken).toBeLessThanOrEqual(33);
  });

  it('says how long until the next admission is due', () => {
    const { pacer, state } = pacerAt({ headroom: 1.25, burstMs: 1 });
    admitEvenly(pacer, state, 80); // 800/s, so 1000/s once paced: one admission per ms
    while (pacer.tryTake());
    expect(pacer.delayMs()).toBeGreaterThan(0);
    expect(pacer.delayMs()).toBeLessThanOrEqual(1);
    state.now += pacer.delayMs();
    expect(pacer.tryTake()).toBe(true);
  });

  it('lets the limit rise by the headroom per window while admissions keep up with it', () => {
    const { pacer, state } = pacerAt({ headroom: 1.5 });
    admitEvenly(pacer, state, 10); // 100/s
    const rates: number[] = [];
    for (let window = 0; window < 4; window++) {
      drain(pacer, state, 100); // demand without end: every admission the pacer allows is taken
      rates.push(pacer.rate);
    }
    // Each window admitted about what the limit allowed, so the peak, and the limit, grew.
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeGreaterThan(rates[i - 1] * 1.3);
  });

  it('lowers the limit once the peak has left the last windows', () => {
    const { pacer, state } = pacerAt({ headroom: 1.5, windows: 3 });
    admitEvenly(pacer, state, 50); // a peak of 500/s
    admitEvenly(pacer, state, 10); // then the provider slows down to 100/s …
    admitEvenly(pacer, state, 10);
    expect(pacer.rate).toBeCloseTo(750, 5); // … still paced against the peak
    admitEvenly(pacer, state, 10);
    admitEvenly(pacer, state, 10);
    expect(pacer.rate).toBeCloseTo(150, 5); // the peak is out of the last three windows
  });

  it('never paces slower than its minimum rate', () => {
    const { pacer, state } = pacerAt({ minRate: 40 });
    state.now += 100; // a busy window with no admissions at all
    expect(pacer.tryTake()).toBe(true);
    expect(pacer.rate).toBe(40);
  });

  it('stops pacing as soon as a window is not busy', () => {
    const { pacer, state } = pacerAt();
    admitEvenly(pacer, state, 20);
    expect(pacer.tryTake()).toBe(true);
    expect(pacer.rate).not.toBe(Infinity);
    state.utilization = 0.2;
    state.now += 100;
    expect(pacer.tryTake()).toBe(true);
    expect(pacer.rate).toBe(Infinity);
  });
});

describe('eventLoopUtilizationSinceLastCall', () => {
  it('reports a busy loop as busy and an idle one as idle', async () => {
    const utilization = eventLoopUtilizationSinceLastCall();
    const until = performance.now() + 50;
    while (performance.now() < until); // the loop does not get to wait
    expect(utilization()).toBeGreaterThan(0.8);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(utilization()).toBeLessThan(0.8);
  });
});
