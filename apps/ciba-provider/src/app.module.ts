import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { ProviderConfig } from '@onboard/config';
import { AdminController } from './controllers/admin.controller';
import { FallbackController } from './controllers/fallback.controller';
import { OpsController } from './controllers/ops.controller';
import { WireExceptionFilter } from './http/wire-exception.filter';
import { OwnerAppModule } from './owner-app/owner-app.module';
import { ProvidersModule } from './providers/providers.module';
import type { ProviderOverrides } from './providers/provider-runtime';

/**
 * The provider application: composition root, controllers, the one exception filter.
 * The protocol endpoints (OAuth, CIBA, owner device) are not Nest routes: the HTTP
 * server's listener serves them (http/protocol-listener.ts) and hands the rest here.
 */
@Module({})
export class AppModule {
  static forRoot(config: ProviderConfig, overrides: ProviderOverrides = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [ProvidersModule.forRoot(config, overrides), OwnerAppModule],
      // FallbackController last: it answers what no other route took (404 / 405).
      controllers: [AdminController, OpsController, FallbackController],
      providers: [{ provide: APP_FILTER, useClass: WireExceptionFilter }],
    };
  }
}
