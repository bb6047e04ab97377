/** A refused or failed HTTP call, with the status (0: no answer) and the OAuth-style error code. */
export class HttpCallError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpCallError';
  }
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  token?: string;
  body?: unknown;
  /** Sent as is with this content type (for JSON lines). */
  rawBody?: { contentType: string; text: string };
  signal?: AbortSignal;
  /** A browser's cookie jar for one site: sent as `Cookie`, updated from `Set-Cookie`. */
  cookies?: CookieJar;
}

/**
 * The cookies a browser keeps for one site, by name (the owner app's session is one cookie). A
 * `Set-Cookie` with an empty value or a past `Expires`/`Max-Age=0` removes the cookie.
 */
export class CookieJar {
  private readonly values = new Map<string, string>();

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  header(): string | undefined {
    return this.values.size ? [...this.values].map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }

  store(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair, ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const removed = attributes.some((a) => {
        const [key, raw] = a.trim().split('=');
        if (key.toLowerCase() === 'max-age') return Number(raw) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(raw) <= Date.now();
        return false;
      });
      if (removed || value === '') this.values.delete(name);
      else this.values.set(name, value);
    }
  }
}

/** Calls a JSON API; returns the parsed body, or throws {@link HttpCallError} (never with a token in it). */
export async function callJson<T>(url: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const cookie = options.cookies?.header();
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (options.rawBody) {
    headers['content-type'] = options.rawBody.contentType;
    body = options.rawBody.text;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const where = `${options.method ?? 'GET'} ${new URL(url).pathname}`;
  let response: Response;
  try {
    response = await fetch(url, { method: options.method ?? 'GET', headers, body, signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new HttpCallError(
      0,
      'unreachable',
      `${where}: no answer (${cause?.code ?? cause?.message ?? (err as Error).message})`,
    );
  }
  options.cookies?.store(response.headers.getSetCookie());
  const text = await response.text();
  let parsed: any;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const code = typeof parsed?.error === 'string' ? parsed.error : `http_${response.status}`;
    const description = typeof parsed?.error_description === 'string' ? `: ${parsed.error_description}` : '';
    throw new HttpCallError(response.status, code, `${where}: ${response.status} ${code}${description}`);
  }
  return parsed as T;
}

export const getJson = <T>(url: string, token?: string) => callJson<T>(url, { token });
