import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { createSecureContext } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { ProviderContext } from '@onboard/ciba-core';
import { ConfigError, MIN_ADMIN_TOKEN_LENGTH, loadConfig, type ProviderConfig } from '@onboard/config';
import { RouteMethods, createFastifyAdapter, installRequestHooks, serveApiViewer } from '@onboard/nest-http';
import { createLogger, securityHeaders, type AppLogger, type PrometheusMetrics } from '@onboard/platform';
import { AppModule, OperatorModule } from './app.module';
import { NestJsonLogger } from './http/nest-logger';
import { MAX_BODY_BYTES, PROVIDER_HTTP_ERRORS } from './http/provider-http-errors';
import { requestLog } from './http/request-log';
import { openApiResponse } from './providers/openapi-document';
import type { ProviderOverrides } from './providers/provider-runtime';
import { OPENAPI_DOCUMENT, PROVIDER_CONFIG, PROVIDER_CONTEXT, PROVIDER_METRICS } from './providers/tokens';

/** Options of {@link createProviderApp}. */
export interface CreateProviderAppOptions extends ProviderOverrides {
  /** The environment to configure from (default: process.env). Tests pass e.g. `{ PORT: '0', DATABASE_URL: 'sqlite::memory:' }`. */
  env?: Record<string, string | undefined>;
  /** An already parsed config (wins over `env`). */
  config?: ProviderConfig;
  /** Log lines go here instead of stdout (ignored when `logger` is given). */
  logWrite?: (line: string) => void;
  /** Listen (default true). With false, `url` is empty and the caller listens itself. */
  listen?: boolean;
  /** Close the app on SIGTERM/SIGINT (default true; tests booting many apps may turn it off). */
  shutdownHooks?: boolean;
}

/** A running provider. */
export interface ProviderApp {
  app: NestFastifyApplication;
  /** Base URL the server listens on, e.g. http://127.0.0.1:43121 (empty if not listening). */
  url: string;
  /** Base URL of the operator listener (admin API, /metrics) when ADMIN_PORT is set, else undefined. */
  adminUrl?: string;
  /** The issuer; every endpoint URL in discovery is issuer + path. */
  issuer: string;
  ctx: ProviderContext;
  metrics: PrometheusMetrics;
  /** Stop the workers, close the stores and the server. */
  close(): Promise<void>;
}

/**
 * One Nest application on the Fastify adapter (docs/architecture.md, "HTTP"): raw bodies for
 * the core, security headers on every response, one log line and the metrics per request, and
 * the routes recorded so that the exception filter can tell 405 from 404.
 */
async function createNestApp(
  module: (routes: RouteMethods) => DynamicModule,
  config: ProviderConfig,
  logger: AppLogger,
  metricsOf: (app: NestFastifyApplication) => PrometheusMetrics,
  https?: { cert: Buffer; key: Buffer },
): Promise<NestFastifyApplication> {
  const adapter = createFastifyAdapter({
    https,
    bodyLimit: MAX_BODY_BYTES,
    headers: securityHeaders({ https: config.settings.issuer.startsWith('https:') }),
    errors: PROVIDER_HTTP_ERRORS,
    logger,
  });
  const fastify = adapter.getInstance() as unknown as FastifyInstance;
  const routes = RouteMethods.track(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(module(routes), adapter, {
    bodyParser: false,
    logger: new NestJsonLogger(logger),
    // Long-polling token requests must not hold shutdown for their full wait.
    forceCloseConnections: true,
    // A start-up failure (a bad key-encryption key, an unreadable database) reaches the
    // caller, which names the variable at fault, instead of Nest exiting the process.
    abortOnError: false,
  });
  installRequestHooks(fastify, { answered: requestLog(logger, metricsOf(app)) });
  return app;
}

/**
 * Boot the provider in this process: parse the config, build the Nest app on Fastify, listen
 * on PORT/HOST (PORT=0 picks a free port; an issuer derived from PORT is then fixed up to the
 * real port), and with ADMIN_PORT a second Nest app, the operator listener, for the admin API
 * and /metrics.
 *
 * @example
 * const provider = await createProviderApp({ env: { PORT: '0', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'error' } });
 * await fetch(`${provider.url}/.well-known/openid-configuration`);
 * await provider.close();
 */
export async function createProviderApp(options: CreateProviderAppOptions = {}): Promise<ProviderApp> {
  const config = options.config ?? loadConfig(options.env ?? process.env);
  const logger =
    options.logger ??
    createLogger({ level: config.logLevel, write: options.logWrite, base: { service: 'ciba-provider' } });
  const app = await createNestApp(
    (routes) => AppModule.forRoot(config, { ...options, logger }, routes),
    config,
    logger,
    (built) => built.get<PrometheusMetrics>(PROVIDER_METRICS),
    config.tls ? readTlsFiles(config.tls) : undefined,
  );
  const ctx = app.get<ProviderContext>(PROVIDER_CONTEXT);
  const metrics = app.get<PrometheusMetrics>(PROVIDER_METRICS);
  const openapi = app.get<Record<string, unknown>>(OPENAPI_DOCUMENT);
  // GET /docs: Swagger UI for the document of /openapi.json, with this provider as server.
  await serveApiViewer(app, {
    document: () => openApiResponse(openapi, ctx.settings.issuer).body as Record<string, unknown>,
  });
  if (options.shutdownHooks !== false) app.enableShutdownHooks();

  let operator: NestFastifyApplication | undefined;
  const close = async () => {
    await operator?.close();
    await app.close();
  };
  let url = '';
  let adminUrl: string | undefined;
  if (options.listen !== false) {
    try {
      await app.listen(config.port, config.host);
      if (config.operatorListener) {
        // The admin API and /metrics on a port of their own, kept off the public network.
        const shared = {
          config: app.get<ProviderConfig>(PROVIDER_CONFIG),
          ctx,
          logger,
          metrics,
          openapi,
        };
        operator = await createNestApp(
          (routes) => OperatorModule.forRoot(shared, routes),
          config,
          logger,
          () => metrics,
        );
        await operator.listen(config.operatorListener.port, config.operatorListener.host);
        adminUrl = baseUrl(operator.getHttpServer() as Server);
      }
    } catch (error) {
      await close();
      throw error;
    }
    const scheme = config.tls ? 'https' : 'http';
    url = baseUrl(app.getHttpServer() as Server, scheme);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    if (config.issuerDerived) ctx.settings.issuer = `${scheme}://localhost:${port}`;
  } else {
    await app.init();
  }
  if (!ctx.settings.adminToken) {
    logger.info(`admin API off: set ADMIN_TOKEN (at least ${MIN_ADMIN_TOKEN_LENGTH} characters) to enable /admin/v1`);
  }
  return { app, url, adminUrl, issuer: ctx.settings.issuer, ctx, metrics, close };
}

function baseUrl(server: Server, scheme = 'http'): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/** The PEM files of TLS_CERT_FILE and TLS_KEY_FILE; an unreadable or unusable one is named. */
function readTlsFiles(tls: { certFile: string; keyFile: string }): { cert: Buffer; key: Buffer } {
  const read = (file: string, variable: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConfigError(variable, `cannot read ${file}: ${(error as Error).message}`);
    }
  };
  const cert = read(tls.certFile, 'TLS_CERT_FILE');
  const key = read(tls.keyFile, 'TLS_KEY_FILE');
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError(
      'TLS_CERT_FILE',
      `with TLS_KEY_FILE does not make a TLS identity: ${(error as Error).message}`,
    );
  }
  return { cert, key };
}
