import { ExpiryIndex } from './expiry-index';

describe('ExpiryIndex', () => {
  it('pops only the keys that expired strictly before the given time, earliest first', () => {
    const index = new ExpiryIndex();
    const at = new Map([
      ['c', 30],
      ['a', 10],
      ['d', 40],
      ['b', 20],
    ]);
    for (const [key, t] of at) index.add(key, t);
    expect(index.popDue(30, (k, t) => at.get(k) === t)).toEqual(['a', 'b']);
    expect(index.size).toBe(2);
    expect(index.popDue(100, (k, t) => at.get(k) === t)).toEqual(['c', 'd']);
    expect(index.size).toBe(0);
  });

  it('drops stale pairs whose key was re-dated or deleted', () => {
    const index = new ExpiryIndex();
    const at = new Map([['x', 5]]);
    index.add('x', 5);
    at.set('x', 50);
    index.add('x', 50);
    index.add('gone', 1);
    expect(index.popDue(10, (k, t) => at.get(k) === t)).toEqual([]);
    expect(index.popDue(51, (k, t) => at.get(k) === t)).toEqual(['x']);
  });

  it('pops at most `limit` current keys and leaves the rest for the next call', () => {
    const index = new ExpiryIndex();
    const at = new Map([
      ['a', 10],
      ['b', 20],
      ['c', 30],
    ]);
    for (const [key, t] of at) index.add(key, t);
    index.add('stale', 5);
    expect(index.popDue(100, (k, t) => at.get(k) === t, 2)).toEqual(['a', 'b']);
    expect(index.size).toBe(1);
    expect(index.popDue(100, (k, t) => at.get(k) === t, 2)).toEqual(['c']);
  });

  it('stays ordered under many random insertions', () => {
    const index = new ExpiryIndex();
    const times = Array.from({ length: 500 }, (_, i) => (i * 7919) % 1000);
    times.forEach((t, i) => index.add(`k${i}`, t));
    const popped = index.popDue(1001, () => true).map((k) => times[Number(k.slice(1))]);
    expect(popped).toEqual([...times].sort((a, b) => a - b));
  });
});
