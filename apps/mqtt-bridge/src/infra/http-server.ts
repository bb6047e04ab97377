import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiError, securityHeaders, type Logger } from '@onboard/platform';

/** A request as a route handler sees it. */
export interface BridgeHttpRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  query: URLSearchParams;
  /** Values of the route's `:name` segments, URL-decoded. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  remoteAddress?: string;
  /** Reads the whole body; throws an {@link HttpError} 413 beyond `maxBytes` (read no further). */
  body(maxBytes: number): Promise<Buffer>;
}

/** What a route handler returns. An object body is sent as JSON. */
export interface BridgeHttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | object;
}

export type BridgeHttpHandler = (req: BridgeHttpRequest) => Promise<BridgeHttpResponse>;

/**
 * A failure with an HTTP status; its `error` code and description are sent as JSON. The
 * platform's {@link ApiError}, so any renderer of ApiErrors renders it.
 */
export class HttpError extends ApiError {
  readonly code: string;
  override readonly status: number;

  constructor(status: number, error: string, description?: string, headers: Record<string, string> = {}) {
    super(description ?? error);
    this.status = status;
    this.code = error;
    this.headers = headers;
  }

  /** The body's `error` (the same as `code`). */
  get error(): string {
    return this.code;
  }
}

/** A JSON response that no cache keeps. */
export function json(status: number, body: object, headers: Record<string, string> = {}): BridgeHttpResponse {
  return { status, body, headers: { 'cache-control': 'no-store', ...headers } };
}

interface Route {
  method: string;
  template: string;
  segments: string[];
  handler: BridgeHttpHandler;
}

export interface BridgeHttpServerOptions {
  logger: Logger;
  /** Reached over https (BRIDGE_PUBLIC_URL): responses carry Strict-Transport-Security. */
  https?: boolean;
  /** Called once per request with the route template (never the raw path), for metrics. */
  onRequest?(route: string, method: string, status: number, ms: number): void;
}

/**
 * The bridge's one HTTP listener: a small `node:http` router on which the parts of the bridge
 * register their routes (the CIBA notification endpoint, the admin API, `/health`, `/metrics`).
 * Routes are `METHOD /literal/:param/...`; a segment is a parameter only when it starts with `:`
 * (so `/admin/v1/devices:import` is a literal). Unknown paths get 404, a known path with another
 * method 405 with `Allow`. A handler that throws an {@link HttpError} gets its status; anything
 * else becomes 500 `server_error` with an error id that is also logged. Every response carries
 * the security headers of `securityHeaders` (nosniff, no-referrer, an API CSP, DENY framing,
 * no-store unless the route says otherwise, HSTS when reached over https).
 *
 * @example
 * const http = new BridgeHttpServer({ logger });
 * http.route('GET', '/health', async () => json(200, { status: 'ok' }));
 * const port = await http.listen(4001, '127.0.0.1');
 */
export class BridgeHttpServer {
  private readonly routes: Route[] = [];
  private server: Server | undefined;
  private readonly securityHeaders: Readonly<Record<string, string>>;

  constructor(private readonly options: BridgeHttpServerOptions) {
    this.securityHeaders = securityHeaders({ https: options.https ?? false });
  }

  /** Registers a route; a second registration of the same method and template is an error. */
  route(method: string, template: string, handler: BridgeHttpHandler): void {
    const upper = method.toUpperCase();
    if (this.routes.some((r) => r.method === upper && r.template === template))
      throw new Error(`route registered twice: ${upper} ${template}`);
    this.routes.push({ method: upper, template, segments: template.split('/').filter(Boolean), handler });
  }

  /** Starts listening; resolves with the bound port (`port` 0 picks a free one). */
  async listen(port: number, host: string): Promise<number> {
    if (this.server) throw new Error('http server already listening');
    const server = createServer((req, res) => void this.handle(req, res));
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /** The bound port; throws before {@link listen}. */
  get port(): number {
    if (!this.server) throw new Error('http server not listening');
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and closes open connections (keep-alive ones included). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://bridge.invalid');
    let template = 'unmatched';
    let response: BridgeHttpResponse;
    try {
      const { route, params, allowed } = this.match(method, url.pathname);
      if (!route) {
        if (allowed.length > 0)
          throw new HttpError(405, 'method_not_allowed', 'method not allowed', { allow: allowed.join(', ') });
        throw new HttpError(404, 'not_found', 'not found');
      }
      template = route.template;
      response = await route.handler({
        method,
        path: url.pathname,
        query: url.searchParams,
        params,
        headers: req.headers,
        remoteAddress: req.socket.remoteAddress,
        body: (maxBytes) => readBody(req, maxBytes),
      });
    } catch (err) {
      response = this.renderError(err, template);
    }
    this.send(res, response);
    this.options.onRequest?.(template, method, response.status, performance.now() - started);
  }

  private match(method: string, path: string): { route?: Route; params: Record<string, string>; allowed: string[] } {
    const segments = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (!params) continue;
      if (route.method === method) return { route, params, allowed };
      allowed.push(route.method);
    }
    return { params: {}, allowed };
  }

  private renderError(err: unknown, route: string): BridgeHttpResponse {
    if (err instanceof HttpError)
      return json(err.status, { error: err.error, error_description: err.message }, err.headers);
    const errorId = randomUUID();
    this.options.logger.error('http request failed', {
      errorId,
      route,
      error: err instanceof Error ? err.message : 'unknown error',
    });
    return json(500, { error: 'server_error', error_description: `internal error ${errorId}` });
  }

  private send(res: ServerResponse, response: BridgeHttpResponse): void {
    // The security headers on every response; a route's own headers (cache-control) win.
    const headers: Record<string, string> = { ...this.securityHeaders, ...response.headers };
    let body: string | Buffer | undefined;
    if (response.body === undefined || typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
      body = response.body;
    } else {
      body = JSON.stringify(response.body);
      headers['content-type'] ??= 'application/json';
    }
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    res.writeHead(response.status, headers);
    res.end(body);
  }
}

function matchSegments(template: string[], actual: string[]): Record<string, string> | undefined {
  if (template.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < template.length; i++) {
    if (template[i].startsWith(':')) {
      try {
        params[template[i].slice(1)] = decodeURIComponent(actual[i]);
      } catch {
        return undefined;
      }
    } else if (template[i] !== actual[i]) return undefined;
  }
  return params;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes)
    return Promise.reject(new HttpError(413, 'payload_too_large', `body larger than ${maxBytes} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'payload_too_large', `body larger than ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
