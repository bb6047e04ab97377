import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ProviderConfig } from '@onboard/config';
import { HttpErrorFilter, type RouteMethods } from '@onboard/nest-http';
import type { Logger } from '@onboard/platform';
import { AdminModule } from './controllers/admin.controller';
import { BackchannelAuthenticationModule } from './controllers/backchannel-authentication.controller';
import { DiscoveryModule } from './controllers/discovery.controller';
import { IntrospectionModule } from './controllers/introspection.controller';
import { JwksModule } from './controllers/jwks.controller';
import { HealthModule, MetricsModule, OpsModule } from './controllers/ops.controller';
import { OwnerDeviceModule } from './controllers/owner-device.controller';
import { RegistrationModule } from './controllers/registration.controller';
import { RevocationModule } from './controllers/revocation.controller';
import { TokenModule } from './controllers/token.controller';
import { UserinfoModule } from './controllers/userinfo.controller';
import { PROVIDER_HTTP_ERRORS } from './http/provider-http-errors';
import { OwnerAppModule } from './owner-app/owner-app.module';
import { ProvidersModule, type SharedProviders } from './providers/providers.module';
import type { ProviderOverrides } from './providers/provider-runtime';
import { PROVIDER_LOGGER } from './providers/tokens';

/** The protocol endpoints, one module per spec area. */
const PROTOCOL_MODULES: Type[] = [
  DiscoveryModule,
  JwksModule,
  BackchannelAuthenticationModule,
  TokenModule,
  UserinfoModule,
  IntrospectionModule,
  RevocationModule,
  RegistrationModule,
  OwnerDeviceModule,
];

/** The one exception filter of an app: every error answered in OAuth's JSON shape. */
function errorFilter(routes: RouteMethods) {
  return {
    provide: APP_FILTER,
    useFactory: (logger: Logger) => new HttpErrorFilter({ logger, errors: PROVIDER_HTTP_ERRORS, routes }),
    inject: [PROVIDER_LOGGER],
  };
}

/**
 * The provider application: composition root, one module per spec area, the one exception
 * filter. With ADMIN_PORT the admin API and /metrics are not here but in {@link OperatorModule}.
 */
@Module({})
export class AppModule {
  static forRoot(config: ProviderConfig, overrides: ProviderOverrides, routes: RouteMethods): DynamicModule {
    const operatorElsewhere = config.operatorListener !== undefined;
    return {
      module: AppModule,
      imports: [
        ProvidersModule.forRoot(config, overrides),
        ...PROTOCOL_MODULES,
        OwnerAppModule,
        OpsModule,
        ...(operatorElsewhere ? [] : [AdminModule, MetricsModule]),
      ],
      providers: [errorFilter(routes)],
    };
  }
}

/**
 * The operator listener's application (ADMIN_PORT, docs/network-security.md): the admin API,
 * /metrics and /health of the running provider, kept off the public network. It shares the main
 * app's context; nothing else is served on it.
 */
@Module({})
export class OperatorModule {
  static forRoot(shared: SharedProviders, routes: RouteMethods): DynamicModule {
    return {
      module: OperatorModule,
      imports: [ProvidersModule.shared(shared), AdminModule, MetricsModule, HealthModule],
      providers: [errorFilter(routes)],
    };
  }
}
