import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ProviderConfig } from '@onboard/config';
import { providerOpenApiDocument } from '../http/openapi/provider-openapi';
import { createProviderRuntime, type ProviderOverrides, type ProviderRuntime } from './provider-runtime';
import {
  OPENAPI_DOCUMENT,
  PROVIDER_CONFIG,
  PROVIDER_CONTEXT,
  PROVIDER_LOGGER,
  PROVIDER_METRICS,
  PROVIDER_OVERRIDES,
  OWNER_LIVE_CHANNEL,
} from './tokens';

const PROVIDER_RUNTIME = Symbol('PROVIDER_RUNTIME');

/** Starts the background workers once the app is up and stops them (then the stores) on shutdown. */
@Injectable()
export class ProviderLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(PROVIDER_RUNTIME) private readonly runtime: ProviderRuntime) {}

  onApplicationBootstrap(): void {
    this.runtime.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.stop();
  }
}

/** What a second app of the same provider (the operator listener) shares with the main one. */
export interface SharedProviders {
  config: ProviderConfig;
  ctx: unknown;
  logger: unknown;
  metrics: unknown;
  openapi: Record<string, unknown>;
}

/**
 * The composition root as a Nest module: binds the ProviderContext, its logger and
 * metrics, the config and the OpenAPI document to injection tokens. Global, so the
 * controllers of every module can inject them.
 */
@Module({})
export class ProvidersModule {
  static forRoot(config: ProviderConfig, overrides: ProviderOverrides = {}): DynamicModule {
    return {
      module: ProvidersModule,
      global: true,
      providers: [
        { provide: PROVIDER_CONFIG, useValue: config },
        { provide: PROVIDER_OVERRIDES, useValue: overrides },
        {
          provide: PROVIDER_RUNTIME,
          useFactory: (cfg: ProviderConfig, ovr: ProviderOverrides) => createProviderRuntime(cfg, ovr),
          inject: [PROVIDER_CONFIG, PROVIDER_OVERRIDES],
        },
        { provide: PROVIDER_CONTEXT, useFactory: (rt: ProviderRuntime) => rt.ctx, inject: [PROVIDER_RUNTIME] },
        { provide: PROVIDER_LOGGER, useFactory: (rt: ProviderRuntime) => rt.logger, inject: [PROVIDER_RUNTIME] },
        { provide: PROVIDER_METRICS, useFactory: (rt: ProviderRuntime) => rt.metrics, inject: [PROVIDER_RUNTIME] },
        { provide: OWNER_LIVE_CHANNEL, useFactory: (rt: ProviderRuntime) => rt.live, inject: [PROVIDER_RUNTIME] },
        { provide: OPENAPI_DOCUMENT, useFactory: () => providerOpenApiDocument() },
        ProviderLifecycle,
      ],
      exports: [
        PROVIDER_CONFIG,
        PROVIDER_CONTEXT,
        PROVIDER_LOGGER,
        PROVIDER_METRICS,
        OPENAPI_DOCUMENT,
        OWNER_LIVE_CHANNEL,
      ],
    };
  }

  /** The same tokens bound to the values of an app already running (no runtime of its own). */
  static shared(values: SharedProviders): DynamicModule {
    return {
      module: ProvidersModule,
      global: true,
      providers: [
        { provide: PROVIDER_CONFIG, useValue: values.config },
        { provide: PROVIDER_CONTEXT, useValue: values.ctx },
        { provide: PROVIDER_LOGGER, useValue: values.logger },
        { provide: PROVIDER_METRICS, useValue: values.metrics },
        { provide: OPENAPI_DOCUMENT, useValue: values.openapi },
      ],
      exports: [PROVIDER_CONFIG, PROVIDER_CONTEXT, PROVIDER_LOGGER, PROVIDER_METRICS, OPENAPI_DOCUMENT],
    };
  }
}
