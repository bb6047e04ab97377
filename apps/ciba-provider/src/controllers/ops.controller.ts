import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { PATHS } from '@onboard/ciba-core';
import type { ProviderConfig } from '@onboard/config';
import { metricsResponse, type PrometheusMetrics } from '@onboard/platform';
import { checkHealth } from '../providers/health';
import { openApiResponse } from '../providers/openapi-document';
import { OPENAPI_DOCUMENT, PROVIDER_CONFIG, PROVIDER_METRICS } from '../providers/tokens';
import { sendWireResponse as send, type HttpRequest, type HttpResponse } from '../http/wire';
import { WireController } from './wire.controller';

/** Operations endpoints: health, Prometheus metrics, the OpenAPI document. */
@Controller()
export class OpsController extends WireController {
  constructor(
    @Inject(PROVIDER_METRICS) private readonly metrics: PrometheusMetrics,
    @Inject(OPENAPI_DOCUMENT) private readonly openapi: Record<string, unknown>,
    @Inject(PROVIDER_CONFIG) private readonly config: ProviderConfig,
  ) {
    super();
  }

  @Get(PATHS.health)
  async health(@Res() res: HttpResponse) {
    send(res, await checkHealth(this.ctx));
  }

  @Get(PATHS.metrics)
  async prometheus(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(
      res,
      await metricsResponse(this.metrics, {
        authorization: req.headers.authorization,
        token: this.config.metricsToken,
      }),
    );
  }

  @Get(PATHS.openapi)
  openApi(@Res() res: HttpResponse) {
    send(res, openApiResponse(this.openapi, this.ctx.settings.issuer));
  }
}
