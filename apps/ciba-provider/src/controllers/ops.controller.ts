import { Controller, Get, Inject, Module, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS } from '@onboard/ciba-core';
import type { ProviderConfig } from '@onboard/config';
import { sendWire } from '@onboard/nest-http';
import { metricsResponse, type PrometheusMetrics } from '@onboard/platform';
import { checkHealth } from '../providers/health';
import { openApiResponse } from '../providers/openapi-document';
import { OPENAPI_DOCUMENT, PROVIDER_CONFIG, PROVIDER_METRICS } from '../providers/tokens';
import { WireController } from './wire.controller';

/** GET /health: whether the database answers (load balancers, orchestrators). */
@Controller()
export class HealthController extends WireController {
  @Get(PATHS.health)
  async health(@Res() reply: FastifyReply) {
    sendWire(reply, await checkHealth(this.ctx));
  }
}

/** GET /metrics: Prometheus metrics, behind METRICS_TOKEN when it is set. */
@Controller()
export class MetricsController {
  constructor(
    @Inject(PROVIDER_METRICS) private readonly metrics: PrometheusMetrics,
    @Inject(PROVIDER_CONFIG) private readonly config: ProviderConfig,
  ) {}

  @Get(PATHS.metrics)
  async prometheus(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const authorization = req.headers.authorization;
    sendWire(reply, await metricsResponse(this.metrics, { authorization, token: this.config.metricsToken }));
  }
}

/** GET /openapi.json: the API description, with this provider as its server. */
@Controller()
export class OpenApiController extends WireController {
  constructor(@Inject(OPENAPI_DOCUMENT) private readonly openapi: Record<string, unknown>) {
    super();
  }

  @Get(PATHS.openapi)
  document(@Res() reply: FastifyReply) {
    sendWire(reply, openApiResponse(this.openapi, this.ctx.settings.issuer));
  }
}

/** Health and the API description: on the main listener. */
@Module({ controllers: [HealthController, OpenApiController] })
export class OpsModule {}

/** Prometheus metrics: on the main listener, or on the operator listener with ADMIN_PORT. */
@Module({ controllers: [MetricsController] })
export class MetricsModule {}

/** Health alone: the operator listener answers it too. */
@Module({ controllers: [HealthController] })
export class HealthModule {}
