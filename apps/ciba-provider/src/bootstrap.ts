import 'reflect-metadata';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { ProviderContext } from '@onboard/ciba-core';
import { MIN_ADMIN_TOKEN_LENGTH, loadConfig, type ProviderConfig } from '@onboard/config';
import { createLogger, type PrometheusMetrics } from '@onboard/platform';
import { AppModule } from './app.module';
import { NestJsonLogger } from './http/nest-logger';
import { IntakeGate } from './http/admission';
import { registerIntakeGauges } from './http/intake-metrics';
import { IntakePacer } from './http/intake-pacer';
import { createOperatorListener } from './http/operator-listener';
import { createProtocolListener } from './http/protocol-listener';
import type { ProviderOverrides } from './providers/provider-runtime';
import { PROVIDER_CONTEXT, PROVIDER_METRICS } from './providers/tokens';

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
  app: INestApplication;
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
 * Boot the provider in this process: parse the config, build the Nest app (body
 * parser off: the adapter reads raw bytes), listen on PORT/HOST (PORT=0 picks a free
 * port; an issuer derived from PORT is then fixed up to the real port).
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
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, { ...options, logger }), {
    bodyParser: false,
    logger: new NestJsonLogger(logger),
    routeResolutionStrategy: 'specificity',
    routeConflictPolicy: { duplicate: 'error' },
    // Long-polling token requests must not hold shutdown for their full wait.
    forceCloseConnections: true,
    // A start-up failure (a bad key-encryption key, an unreadable database) reaches the
    // caller, which names the variable at fault, instead of Nest exiting the process.
    abortOnError: false,
  });
  // No X-Powered-By: the security headers are set by the listeners (protocol-listener.ts).
  app.disable('x-powered-by');
  const ctx = app.get<ProviderContext>(PROVIDER_CONTEXT);
  const metrics = app.get<PrometheusMetrics>(PROVIDER_METRICS);
  // Protocol endpoints are served by the listener itself; the rest goes to the Nest app.
  const server = app.getHttpServer() as Server;
  const nestApp = app.getHttpAdapter().getInstance() as (req: IncomingMessage, res: ServerResponse) => void;
  server.removeAllListeners('request');
  const pacer = config.intakePacing !== undefined ? new IntakePacer({ headroom: config.intakePacing }) : undefined;
  const intake = new IntakeGate({
    limit: config.intakeConcurrency,
    maxQueue: config.intakeQueueLimit,
    pacer,
  });
  const operatorRoutesElsewhere = config.operatorListener !== undefined;
  server.on(
    'request',
    createProtocolListener({ ctx, logger, metrics, fallback: nestApp, intake, operatorRoutesElsewhere }),
  );
  registerIntakeGauges(metrics, intake, pacer);
  if (options.shutdownHooks !== false) app.enableShutdownHooks();

  let url = '';
  let operator: Server | undefined;
  const close = async () => {
    if (operator?.listening) {
      const closed = new Promise((resolve) => operator!.close(resolve));
      operator.closeAllConnections();
      await closed;
    }
    await app.close();
  };
  let adminUrl: string | undefined;
  if (options.listen !== false) {
    try {
      await app.listen(config.port, config.host);
      if (config.operatorListener) {
        // The admin API and /metrics on a port of their own, kept off the public network.
        const issuer = ctx.settings.issuer;
        operator = createServer(createOperatorListener({ issuer, logger, metrics, fallback: nestApp }));
        adminUrl = await listen(operator, config.operatorListener.port, config.operatorListener.host);
      }
    } catch (error) {
      await close();
      throw error;
    }
    url = baseUrl(app.getHttpServer() as Server);
    const port = (app.getHttpServer().address() as AddressInfo).port;
    if (config.issuerDerived) ctx.settings.issuer = `http://localhost:${port}`;
  } else {
    await app.init();
  }
  if (!ctx.settings.adminToken) {
    logger.info(`admin API off: set ADMIN_TOKEN (at least ${MIN_ADMIN_TOKEN_LENGTH} characters) to enable /admin/v1`);
  }
  return { app, url, adminUrl, issuer: ctx.settings.issuer, ctx, metrics, close };
}

function baseUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

function listen(server: Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(baseUrl(server));
    });
  });
}
