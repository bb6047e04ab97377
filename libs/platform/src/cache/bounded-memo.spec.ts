import { boundedMemo } from './bounded-memo';

describe('boundedMemo', () => {
  it('computes each key once and answers repeats from memory, undefined results included', () => {
    const calls: string[] = [];
    const memo = boundedMemo((key: string) => (calls.push(key), key === 'none' ? undefined : key.length));
    expect([memo('abc'), memo('abc'), memo('none'), memo('none')]).toEqual([3, 3, undefined, undefined]);
    expect(calls).toEqual(['abc', 'none']);
  });

  it('starts over once it holds `limit` entries', () => {
    const calls: string[] = [];
    const memo = boundedMemo((key: string) => calls.push(key), 2);
    memo('a');
    memo('b');
    memo('c'); // full: cleared, then c kept
    memo('c');
    memo('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});
