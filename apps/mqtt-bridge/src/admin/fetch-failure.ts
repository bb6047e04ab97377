/**
 * Why a fetch to `url` failed, in words an operator can act on. fetch reports every network
 * failure as "fetch failed" and keeps the reason in `cause` (ECONNREFUSED, ENOTFOUND, a TLS
 * certificate error…); several addresses tried at once give an AggregateError of them. Only
 * the URL's origin and path are named, never credentials or a query.
 *
 * @example
 * describeFetchFailure('http://localhost:4001/admin/v1/devices', err);
 * // 'cannot reach http://localhost:4001/admin/v1/devices: connect ECONNREFUSED 127.0.0.1:4001 (ECONNREFUSED)'
 */
export function describeFetchFailure(url: string, error: unknown): string {
  return `cannot reach ${safeUrl(url)}: ${reason(error)}`;
}

function reason(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm, where instanceof Error fails.
  if (typeof error !== 'object' || error === null || typeof (error as Error).message !== 'string') return String(error);
  const err = error as Error & { cause?: unknown; code?: unknown; errors?: unknown };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer in time (${err.message})`;
  // fetch's own TypeError says nothing; what failed is in its cause.
  if (err.cause !== undefined && err.message === 'fetch failed') return reason(err.cause);
  if (Array.isArray(err.errors) && err.errors.length > 0 && err.message === '') {
    return err.errors.map(reason).join('; ');
  }
  const code = typeof err.code === 'string' && !err.message.includes(err.code) ? ` (${err.code})` : '';
  return `${err.message || err.name}${code}`;
}

function safeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.origin}${url.pathname}`;
  } catch {
    return 'the configured URL';
  }
}
