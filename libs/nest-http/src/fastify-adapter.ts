import { FastifyAdapter, RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { renderApiError, type Logger } from '@onboard/platform';
import type { FrameworkErrors } from './http-error.filter';
import { sendWire } from './wire';

/** Options of {@link createFastifyAdapter}. */
export interface FastifyAdapterOptions {
  /** Largest request body accepted, in bytes; a larger one is refused with 413 before it is read past the limit. */
  bodyLimit: number;
  /** Headers every response carries unless its route sets its own (the platform's `securityHeaders`). */
  headers: Readonly<Record<string, string>>;
  /** The app's answers to what the router refuses before any hook runs (a malformed URL). */
  errors: FrameworkErrors;
  logger: Logger;
  /** Longest path parameter, in characters (default 512); a longer one is refused as a bad request. */
  maxParamLength?: number;
  /** Serve HTTPS with this certificate chain and key (PEM); default plain HTTP. */
  https?: { cert: string | Buffer; key: string | Buffer };
}

/**
 * Nest's Fastify adapter as both apps use it: paths matched case-insensitively with an
 * optional trailing slash, HEAD answered by every GET route, Fastify's own logger off (the apps
 * log each request once, see {@link installRequestHooks}), connections closed on shutdown
 * (long-polling token requests must not hold it), every body kept as raw bytes
 * ({@link installRawBodyParser}), and the security headers set on every response, those the
 * router refuses included.
 *
 * @example
 * const adapter = createFastifyAdapter({ bodyLimit: 256 * 1024, headers: securityHeaders({ https }), errors, logger });
 * const app = await NestFactory.create<NestFastifyApplication>(AppModule, adapter, { bodyParser: false });
 */
export function createFastifyAdapter(options: FastifyAdapterOptions): FastifyAdapter {
  const headers = Object.entries(options.headers);
  const adapter = new FastifyAdapter({
    logger: false,
    bodyLimit: options.bodyLimit,
    forceCloseConnections: true,
    exposeHeadRoutes: true,
    requestIdHeader: false,
    ...(options.https
      ? { https: { cert: options.https.cert, key: options.https.key, minVersion: 'TLSv1.2' as const } }
      : {}),
    routerOptions: {
      caseSensitive: false,
      ignoreTrailingSlash: true,
      maxParamLength: options.maxParamLength ?? 512,
    },
    // A malformed URL (bad percent-encoding) is refused by the router before any hook runs.
    frameworkErrors: (_error: unknown, _request: unknown, reply: FastifyReply) => {
      for (const [name, value] of headers) reply.raw.setHeader(name, value);
      sendWire(reply, renderApiError(options.errors.badRequest(), options.logger));
    },
  });
  const instance = adapter.getInstance() as unknown as FastifyInstance;
  installRawBodyParser(instance, options.bodyLimit);
  // A route's own body limit (@BodyLimit) replaces the app's.
  instance.addHook('onRoute', (route) => {
    const limit = (route.config as { bodyLimit?: unknown } | undefined)?.bodyLimit;
    if (typeof limit === 'number') route.bodyLimit = limit;
  });
  instance.addHook('onRequest', (_request, reply, done) => {
    const res = reply.raw;
    for (let i = 0; i < headers.length; i++) res.setHeader(headers[i][0], headers[i][1]);
    done();
  });
  return adapter;
}

/**
 * The largest body one route accepts, in bytes, in place of the app's limit: Fastify refuses a
 * larger one with 413 before reading past it.
 *
 * @example
 * \@Post('/ciba/notify') \@BodyLimit(32 * 1024) notify(...) {}
 */
export const BodyLimit = (bytes: number) => RouteConfig({ bodyLimit: bytes });

/**
 * Every request body, whatever its content type (or none), becomes `request.body` as the exact
 * bytes sent, at most `limit` of them: Fastify's JSON and text parsers are removed, so the
 * protocol cores see what the client sent and parse it by their own rules (RFC 6749 §3.1:
 * duplicated form parameters refused; JSON objects only). Fastify refuses a larger body with
 * `FST_ERR_CTP_BODY_TOO_LARGE` (413), by Content-Length before reading or once the stream passes
 * the limit; the exception filter renders it.
 */
export function installRawBodyParser(instance: FastifyInstance, limit: number): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) => done(null, body));
}
