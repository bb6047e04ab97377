/**
 * `fn` with its results kept per argument, for values that repeat (a client's
 * notification endpoint): at most `limit` entries, all dropped at once when full.
 * `fn` must be pure; results are shared, so callers only read them.
 *
 * @example
 * const origin = boundedMemo((url: string) => new URL(url).origin);
 */
export function boundedMemo<R>(fn: (key: string) => R, limit = 1024): (key: string) => R {
  const results = new Map<string, R>();
  return (key) => {
    if (results.has(key)) return results.get(key) as R;
    const result = fn(key);
    if (results.size >= limit) results.clear();
    results.set(key, result);
    return result;
  };
}
