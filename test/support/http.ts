import http from 'node:http';

/** A response as seen on the wire. `json` is the parsed body when it parses. */
export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: any;
}

export interface RawRequest {
  method?: string;
  /** Absolute URL. */
  url: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  /** Abort after this many ms (default 30 s). */
  timeoutMs?: number;
  /** Send from this local address (another loopback address, e.g. 127.0.0.2, is another source). */
  localAddress?: string;
}

/** Keep-alive agent shared by the feature tests; destroyed by `closeHttpAgent`. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Send one HTTP request with node:http (no fetch normalisation, so malformed
 * bodies, odd content types and duplicated headers reach the server as written).
 */
export async function send(req: RawRequest): Promise<HttpResult> {
  try {
    return await sendOnce(req);
  } catch (err) {
    // A keep-alive socket the server closed while idle: retry once on a fresh one (Node http docs, request.reusedSocket).
    if ((err as { reusedSocket?: boolean }).reusedSocket) return sendOnce(req);
    throw err;
  }
}

function sendOnce(req: RawRequest): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body);
    const headers: Record<string, string | string[]> = { ...(req.headers ?? {}) };
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) {
      headers['content-length'] = String(body.length);
    }
    const r = http.request(
      {
        method: req.method ?? (body === undefined ? 'GET' : 'POST'),
        hostname: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers,
        ...(req.localAddress ? { localAddress: req.localAddress, agent: false } : { agent }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: any;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.setTimeout(req.timeoutMs ?? 30_000, () => r.destroy(new Error(`timeout: ${req.method ?? 'GET'} ${req.url}`)));
    r.on('error', (err: NodeJS.ErrnoException) => {
      if (r.reusedSocket && err.code === 'ECONNRESET') Object.assign(err, { reusedSocket: true });
      reject(err);
    });
    if (body !== undefined) r.write(body);
    r.end();
  });
}

/** POST application/x-www-form-urlencoded. */
export function postForm(
  url: string,
  form: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined) params.append(k, v);
  return send({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: params.toString(),
  });
}

/** POST/PUT a JSON body. */
export function sendJson(
  method: string,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return send({
    method,
    url,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export function get(url: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send({ method: 'GET', url, headers });
}

/** Close idle keep-alive sockets (call in afterAll so servers can close promptly). */
export function closeHttpAgent(): void {
  agent.destroy();
}

/** Basic credentials per RFC 6749 §2.3.1 (form-encode both parts, then base64). */
export function basicAuth(clientId: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return 'Basic ' + Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64');
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll `fn` until it returns a truthy value or `timeoutMs` passes. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 5000,
  stepMs = 25,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await sleep(stepMs);
  }
}
