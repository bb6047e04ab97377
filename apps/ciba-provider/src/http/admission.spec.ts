import { IntakeGate } from './admission';

describe('IntakeGate', () => {
  it('admits up to its limit at once and queues the rest in arrival order', async () => {
    const gate = new IntakeGate({ limit: 2, maxQueue: 10 });
    expect(gate.tryEnter()).toBe(true);
    expect(gate.tryEnter()).toBe(true);
    expect(gate.tryEnter()).toBe(false);
    const order: string[] = [];
    const first = gate.wait().then(() => order.push('first'));
    const second = gate.wait().then(() => order.push('second'));
    expect(gate.queued).toBe(2);
    gate.leave();
    await first;
    expect(order).toEqual(['first']);
    expect(gate.active).toBe(2); // the slot passed to the waiter
    gate.leave();
    await second;
    expect(order).toEqual(['first', 'second']);
    gate.leave();
    gate.leave();
    expect(gate.active).toBe(0);
    expect(gate.tryEnter()).toBe(true);
  });

  it('does not let a newcomer overtake requests already waiting', async () => {
    const gate = new IntakeGate({ limit: 1, maxQueue: 10 });
    expect(gate.tryEnter()).toBe(true);
    const waiting = gate.wait();
    gate.leave(); // the slot goes to the waiter, not to whoever asks next
    expect(gate.tryEnter()).toBe(false);
    await waiting;
    expect(gate.active).toBe(1);
  });

  it('reports full once maxQueue requests wait', () => {
    const gate = new IntakeGate({ limit: 1, maxQueue: 1 });
    gate.tryEnter();
    expect(gate.full).toBe(false);
    void gate.wait();
    expect(gate.full).toBe(true);
  });

  it('refuses a limit below one', () => {
    expect(() => new IntakeGate({ limit: 0, maxQueue: 1 })).toThrow(RangeError);
  });
});
