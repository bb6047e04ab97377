import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  HttpErrorFilter,
  RouteMethods,
  createFastifyAdapter,
  declaredRoutes,
  installRequestHooks,
  requestPath,
  serveApiViewer,
  type FrameworkErrors,
} from '@onboard/nest-http';
import { ApiError, securityHeaders, type Logger } from '@onboard/platform';
import { bridgeOpenApiDocument } from './bridge-openapi';
import { BRIDGE_HTTP_CONTROLLERS, BRIDGE_ROUTE_HANDLERS, type BridgeRouteHandlers } from './bridge-http.controllers';

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
  /** The whole body; throws an {@link HttpError} 413 beyond `maxBytes` (the route's limit refuses larger ones first). */
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
 * platform's {@link ApiError}, rendered by the one exception filter (`HttpErrorFilter`).
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

/** Largest body of a route that sets no limit of its own (see the controllers' `@BodyLimit`). */
const DEFAULT_BODY_LIMIT = 64 * 1024;

/** What the router and the body parser refuse, in the bridge API's words. */
const BRIDGE_HTTP_ERRORS: FrameworkErrors = {
  notFound: () => new HttpError(404, 'not_found', 'not found'),
  methodNotAllowed: (allow) =>
    new HttpError(405, 'method_not_allowed', 'method not allowed', allow.length ? { allow: allow.join(', ') } : {}),
  payloadTooLarge: () => new HttpError(413, 'payload_too_large', 'body larger than this endpoint takes'),
  badRequest: () => new HttpError(400, 'invalid_request', 'request could not be processed'),
};

export interface BridgeHttpServerOptions {
  logger: Logger;
  /** Reached over https (BRIDGE_PUBLIC_URL): responses carry Strict-Transport-Security. */
  https?: boolean;
  /** Called once per request with the route template (never the raw path), for metrics. */
  onRequest?(route: string, method: string, status: number, ms: number): void;
}

@Module({})
class BridgeHttpModule {
  static forRoot(handlers: BridgeRouteHandlers, filter: HttpErrorFilter, imports: DynamicModule[]): DynamicModule {
    return {
      module: BridgeHttpModule,
      imports,
      controllers: BRIDGE_HTTP_CONTROLLERS,
      providers: [
        { provide: BRIDGE_ROUTE_HANDLERS, useValue: handlers },
        { provide: APP_FILTER, useValue: filter },
      ],
    };
  }
}

/**
 * One HTTP listener of the bridge: a Nest application on Fastify whose routes are declared by
 * the controllers of `bridge-http.controllers.ts` (the CIBA notification endpoint, the bridge's
 * JWKS, the admin API, `/health`, `/metrics`, `/openapi.json` with Swagger UI at `/docs`). The parts of the bridge bind their handlers to
 * those routes with {@link route}, before or after the listener starts (the admin API is bound
 * once its device admin exists); a route nothing bound answers 404 here. Unknown paths get 404,
 * a known path with another method 405 with `Allow`. A handler that throws an
 * {@link HttpError} gets its status; anything else becomes 500 `server_error` with an error id
 * that is also logged. Every response carries the security headers of `securityHeaders`.
 *
 * @example
 * const http = new BridgeHttpServer({ logger });
 * http.route('GET', '/health', async () => json(200, { status: 'ok' }));
 * const port = await http.listen(4001, '127.0.0.1');
 */
export class BridgeHttpServer implements BridgeRouteHandlers {
  private readonly handlers = new Map<string, BridgeHttpHandler>();
  private nest: NestFastifyApplication | undefined;
  private listening = false;

  constructor(private readonly options: BridgeHttpServerOptions) {}

  /**
   * Binds `handler` to the route `METHOD template` the bridge's controllers declare; a route they
   * do not declare, or a second binding of the same one, is an error.
   */
  route(method: string, template: string, handler: BridgeHttpHandler): void {
    const key = `${method.toUpperCase()} ${template}`;
    if (!DECLARED.has(key)) throw new Error(`not a route of the bridge's HTTP API: ${key}`);
    if (this.handlers.has(key)) throw new Error(`route registered twice: ${key}`);
    this.handlers.set(key, handler);
  }

  /**
   * Builds the Nest application without listening; `imports` join its root module (the bridge's
   * device message handlers, so that the MQTT transport can be connected to this application as
   * a hybrid application). {@link listen} builds it when this was not called.
   */
  async create(imports: DynamicModule[] = []): Promise<NestFastifyApplication> {
    if (this.nest) throw new Error('http application already created');
    const { logger, onRequest } = this.options;
    const adapter = createFastifyAdapter({
      bodyLimit: DEFAULT_BODY_LIMIT,
      headers: securityHeaders({ https: this.options.https ?? false }),
      errors: BRIDGE_HTTP_ERRORS,
      logger,
    });
    const fastify = adapter.getInstance() as unknown as FastifyInstance;
    const routes = RouteMethods.track(fastify);
    const filter = new HttpErrorFilter({ logger, errors: BRIDGE_HTTP_ERRORS, routes });
    const app = await NestFactory.create<NestFastifyApplication>(
      BridgeHttpModule.forRoot(this, filter, imports),
      adapter,
      { bodyParser: false, logger: ['error', 'warn'], forceCloseConnections: true },
    );
    installRequestHooks(fastify, {
      answered: (r) => onRequest?.(r.route.replace('::', ':'), r.method, r.status, r.seconds * 1000),
    });
    // GET /openapi.json and Swagger UI at /docs (assets served from the package, no CDN).
    const document = bridgeOpenApiDocument();
    this.route('GET', '/openapi.json', async () => json(200, document));
    await serveApiViewer(app, { document: () => document });
    const server = app.getHttpServer() as Server;
    server.headersTimeout = 10_000;
    server.requestTimeout = 30_000;
    this.nest = app;
    return app;
  }

  /** The Nest application; throws before {@link create} or {@link listen}. */
  get app(): NestFastifyApplication {
    if (!this.nest) throw new Error('http application not created');
    return this.nest;
  }

  /** Starts listening; resolves with the bound port (`port` 0 picks a free one). */
  async listen(port: number, host: string): Promise<number> {
    if (this.listening) throw new Error('http server already listening');
    const app = this.nest ?? (await this.create());
    await app.listen(port, host);
    this.listening = true;
    return this.port;
  }

  /** The bound port; throws before {@link listen}. */
  get port(): number {
    if (!this.nest || !this.listening) throw new Error('http server not listening');
    return ((this.nest.getHttpServer() as Server).address() as AddressInfo).port;
  }

  /**
   * Stops listening and closes open connections (keep-alive ones included). In a hybrid
   * application the application's own `close()` does this and stops the MQTT transport too.
   */
  async close(): Promise<void> {
    const app = this.nest;
    this.nest = undefined;
    this.listening = false;
    await app?.close();
  }

  /** Serves one request with the handler bound to `route` (see {@link BridgeRouteHandlers}). */
  async serve(route: string, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const handler = this.handlers.get(route);
    if (!handler) throw BRIDGE_HTTP_ERRORS.notFound();
    send(reply, await handler(bridgeRequest(req)));
  }
}

/** `METHOD /path` of every route the controllers declare (`::` is the router's escaped colon). */
const DECLARED = new Set(
  declaredRoutes(BRIDGE_HTTP_CONTROLLERS).map(({ method, path }) => `${method} ${path.replace('::', ':')}`),
);

function bridgeRequest(req: FastifyRequest): BridgeHttpRequest {
  const raw = req.raw;
  const target = raw.url ?? '/';
  const q = target.indexOf('?');
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  return {
    method: (raw.method ?? 'GET').toUpperCase(),
    path: requestPath(raw),
    query: new URLSearchParams(q === -1 ? '' : target.slice(q + 1)),
    params: { ...(req.params as Record<string, string>) },
    headers: raw.headers,
    remoteAddress: raw.socket.remoteAddress,
    body: async (maxBytes) => {
      if (body.length > maxBytes) throw new HttpError(413, 'payload_too_large', `body larger than ${maxBytes} bytes`);
      return body;
    },
  };
}

function send(reply: FastifyReply, response: BridgeHttpResponse): void {
  reply.code(response.status);
  if (response.headers) reply.headers(response.headers);
  if (response.body === undefined) {
    reply.send();
  } else if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    reply.send(response.body);
  } else {
    if (!reply.hasHeader('content-type')) reply.type('application/json');
    reply.send(JSON.stringify(response.body));
  }
}
