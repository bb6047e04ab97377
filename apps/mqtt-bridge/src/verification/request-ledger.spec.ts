import { RequestLedger } from './request-ledger';

const reply = (id: string) => ({
  type: 'error' as const,
  requestId: id,
  error: 'not_implemented' as const,
  errorDescription: 'x',
});

describe('request ledger', () => {
  const clock = {
    t: 0,
    now() {
      return this.t;
    },
  };
  beforeEach(() => (clock.t = 0));

  it('gives a repeated request the first reply, even while that reply is still pending', async () => {
    const ledger = new RequestLedger(clock, { retentionMs: 1000, maxPerDevice: 10 });
    const first = ledger.claim('d', 'r', 'f');
    const second = ledger.claim('d', 'r', 'f');
    expect(first.kind).toBe('new');
    expect(second.kind).toBe('repeat');
    if (first.kind === 'new') first.settle(reply('r'));
    if (second.kind === 'repeat') await expect(second.reply).resolves.toEqual(reply('r'));
  });

  it('reports a conflict when the same id arrives with other content', () => {
    const ledger = new RequestLedger(clock, { retentionMs: 1000, maxPerDevice: 10 });
    ledger.claim('d', 'r', 'f');
    expect(ledger.claim('d', 'r', 'g').kind).toBe('conflict');
    expect(ledger.claim('other-device', 'r', 'g').kind).toBe('new');
  });

  it('forgets ids after the retention time and beyond the per-device bound', () => {
    const ledger = new RequestLedger(clock, { retentionMs: 1000, maxPerDevice: 2 });
    ledger.claim('d', 'a', 'f');
    ledger.claim('d', 'b', 'f');
    ledger.claim('d', 'c', 'f');
    expect(ledger.claim('d', 'a', 'f').kind).toBe('new');
    clock.t = 5000;
    expect(ledger.claim('d', 'c', 'f').kind).toBe('new');
  });

  it('remembers cancellations of known ids only', () => {
    const ledger = new RequestLedger(clock, { retentionMs: 1000, maxPerDevice: 2 });
    ledger.claim('d', 'a', 'f');
    expect(ledger.cancel('d', 'a')).toBe(true);
    expect(ledger.isCancelled('d', 'a')).toBe(true);
    expect(ledger.cancel('d', 'zz')).toBe(false);
  });
});
