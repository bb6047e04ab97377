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
}

/** Calls a JSON API; returns the parsed body, or throws {@link HttpCallError} (never with a token in it). */
export async function callJson<T>(url: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
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
