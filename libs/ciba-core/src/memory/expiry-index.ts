/**
 * A min-heap of (expiresAt, key) pairs so that expiry sweeps visit only the
 * entries that are due, not every entry in a map. Entries are removed lazily:
 * a popped pair whose key no longer carries that expiry (deleted, replaced or
 * re-dated) is dropped by the caller's `isCurrent` check.
 *
 * @example
 * const index = new ExpiryIndex();
 * index.add('jti-1', 1_000);
 * index.popDue(2_000, (key, at) => map.get(key)?.expiresAt === at); // ['jti-1']
 */
export class ExpiryIndex {
  private readonly heap: Array<{ at: number; key: string }> = [];

  /** Number of pairs held (including stale ones not yet dropped). */
  get size(): number {
    return this.heap.length;
  }

  add(key: string, at: number): void {
    const heap = this.heap;
    heap.push({ at, key });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].at <= heap[i].at) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  /**
   * Remove and return the keys whose expiry is strictly before `before` and
   * for which `isCurrent(key, at)` holds (stale pairs are discarded), earliest
   * first. At most `limit` keys are returned; later due pairs stay for the next call.
   */
  popDue(before: number, isCurrent: (key: string, at: number) => boolean, limit = Infinity): string[] {
    const due: string[] = [];
    while (this.heap.length > 0 && this.heap[0].at < before && due.length < limit) {
      const top = this.pop();
      if (isCurrent(top.key, top.at)) due.push(top.key);
    }
    return due;
  }

  private pop(): { at: number; key: string } {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && heap[l].at < heap[smallest].at) smallest = l;
        if (r < heap.length && heap[r].at < heap[smallest].at) smallest = r;
        if (smallest === i) break;
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
