import { IntakeGate } from './admission';
import { IntakePacer } from './intake-pacer';

describe('IntakeGate', () => {
  it('admits up to its limit at once and queues the rest in arrival order', async () => {
    const gate = new IntakeGate({ limit: 2, maxQueue: 10 });
    const a = gate.tryEnter()!;
    const b = gate.tryEnter()!;
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    expect(gate.tryEnter()).toBeUndefined();
    const order: string[] = [];
    const first = gate.wait().then((release) => (order.push('first'), release));
    const second = gate.wait().then((release) => (order.push('second'), release));
    expect(gate.queued).toBe(2);
    a();
    const releaseFirst = await first;
    expect(order).toEqual(['first']);
    expect(gate.active).toBe(2); // the slot passed to the waiter
    b();
    const releaseSecond = await second;
    expect(order).toEqual(['first', 'second']);
    releaseFirst();
    releaseSecond();
    expect(gate.active).toBe(0);
    expect(gate.tryEnter()).toBeDefined();
  });

  it('releases a slot once however often its release is called', () => {
    const gate = new IntakeGate({ limit: 2, maxQueue: 10 });
    const a = gate.tryEnter()!;
    gate.tryEnter();
    a();
    a();
    expect(gate.active).toBe(1);
  });

  it('does not let a newcomer overtake requests already waiting', async () => {
    const gate = new IntakeGate({ limit: 1, maxQueue: 10 });
    const release = gate.tryEnter()!;
    const waiting = gate.wait();
    release(); // the slot goes to the waiter, not to whoever asks next
    expect(gate.tryEnter()).toBeUndefined();
    await waiting;
    expect(gate.active).toBe(1);
  });

  it('hands a slot on after maxHoldMs while its request is still running', async () => {
    jest.useFakeTimers();
    try {
      const gate = new IntakeGate({ limit: 1, maxQueue: 10, maxHoldMs: 100 });
      const slow = gate.tryEnter()!; // e.g. waiting on a client's jwks_uri
      let admitted = false;
      const next = gate.wait().then((release) => ((admitted = true), release));
      jest.advanceTimersByTime(99);
      await Promise.resolve();
      expect(admitted).toBe(false);
      jest.advanceTimersByTime(1);
      const release = await next;
      expect(admitted).toBe(true);
      slow(); // the slow request ends later: its slot is already gone, nothing changes
      expect(gate.active).toBe(1);
      release();
      expect(gate.active).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });

  it('reports full once maxQueue requests wait', () => {
    const gate = new IntakeGate({ limit: 1, maxQueue: 1 });
    gate.tryEnter();
    expect(gate.full).toBe(false);
    void gate.wait();
    expect(gate.full).toBe(true);
  });

  it('runs one intake request at a time while a finishing request is served, then hands freed slots on', async () => {
    const gate = new IntakeGate({ limit: 3, maxQueue: 10 });
    const a = gate.tryEnter()!;
    const finished = gate.finishing(); // a token request arrives
    expect(gate.currentLimit).toBe(1);
    expect(gate.tryEnter()).toBeUndefined(); // one is already running
    const admitted: string[] = [];
    const b = gate.wait().then((release) => (admitted.push('b'), release));
    const c = gate.wait().then((release) => (admitted.push('c'), release));
    a(); // a's slot goes to b: one at a time
    await Promise.resolve();
    await Promise.resolve();
    expect(admitted).toEqual(['b']);
    expect(gate.active).toBe(1);
    finished(); // the token request was answered: c may run beside b
    finished(); // once only
    const releaseB = await b;
    const releaseC = await c;
    expect(admitted).toEqual(['b', 'c']);
    expect(gate.active).toBe(2);
    expect(gate.currentLimit).toBe(3);
    releaseB();
    releaseC();
    expect(gate.active).toBe(0);
  });

  it('keeps one intake request running while finishing requests never stop', async () => {
    const gate = new IntakeGate({ limit: 2, maxQueue: 10 });
    const busy = gate.finishing();
    const first = gate.tryEnter(); // nothing running: one is admitted even now
    expect(first).toBeDefined();
    const next = gate.wait();
    first!();
    const release = await next; // and the next one after it
    expect(gate.active).toBe(1);
    release();
    busy();
  });

  it('refuses a limit below one', () => {
    expect(() => new IntakeGate({ limit: 0, maxQueue: 1 })).toThrow(RangeError);
  });

  describe('with a pacer', () => {
    /** A gate whose pacer runs on Jest's fake clock and always sees a busy provider. */
    function pacedGate() {
      const pacer = new IntakePacer({
        headroom: 2,
        windowMs: 100,
        burstMs: 1,
        minRate: 100,
        now: () => Date.now(),
        utilization: () => 1,
      });
      return new IntakeGate({ limit: 4, maxQueue: 10, pacer });
    }

    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('holds intake back while the pacer has no admission due, even with slots free', () => {
      const gate = pacedGate();
      jest.advanceTimersByTime(100); // a busy window without admissions: paced at the minimum, 100/s
      expect(gate.tryEnter()).toBeDefined(); // the bucket's one admission
      expect(gate.tryEnter()).toBeUndefined(); // a slot is free, but the next admission is 10 ms away
      expect(gate.active).toBe(1);
    });

    it('hands the next admission to a waiting request once it is due', async () => {
      const gate = pacedGate();
      jest.advanceTimersByTime(100);
      const first = gate.tryEnter()!;
      expect(gate.tryEnter()).toBeUndefined();
      let admitted = false;
      const next = gate.wait().then((release) => ((admitted = true), release));
      await jest.advanceTimersByTimeAsync(9);
      expect(admitted).toBe(false);
      await jest.advanceTimersByTimeAsync(1); // 10 ms after the first: due, without any other event
      const release = await next;
      expect(admitted).toBe(true);
      expect(gate.active).toBe(2);
      first();
      release();
      expect(gate.active).toBe(0);
    });

    it('does not hand a freed slot to a waiting request before the pacer allows', async () => {
      const gate = pacedGate();
      jest.advanceTimersByTime(100);
      const first = gate.tryEnter()!;
      let admitted = false;
      const next = gate.wait().then((release) => ((admitted = true), release));
      first(); // the slot is free at once, the next admission is not
      await Promise.resolve();
      expect(admitted).toBe(false);
      expect(gate.active).toBe(0);
      await jest.advanceTimersByTimeAsync(10);
      (await next)();
      expect(admitted).toBe(true);
    });
  });
});
