import { Controller, Get, Inject, Res } from '@nestjs/common';
import { PATHS } from '@onboard/ciba-core';
import type { PrometheusMetrics } from '@onboard/observability';
import { checkHealth } from '../providers/health';
import { openApiResponse } from '../providers/openapi-document';
import { OPENAPI_DOCUMENT, PROVIDER_METRICS } from '../providers/tokens';
import { sendWireResponse as send, type HttpResponse } from '../http/wire';
import { WireController } from './wire.controller';

/** Operations endpoints: health, Prometheus metrics, the OpenAPI document. */
@Controller()
export class OpsController extends WireController {
  constructor(
    @Inject(PROVIDER_METRICS) private readonly metrics: PrometheusMetrics,
    @Inject(OPENAPI_DOCUMENT) private readonly openapi: Record<string, unknown>,
  ) {
    super();
  }

  @Get(PATHS.health)
  async health(@Res() res: HttpResponse) {
    send(res, await checkHealth(this.ctx));
  }

  @Get(PATHS.metrics)
  async prometheus(@Res() res: HttpResponse) {
    const { contentType, body } = await this.metrics.render();
    send(res, { status: 200, headers: { 'content-type': contentType, 'cache-control': 'no-store' }, body });
  }

  @Get(PATHS.openapi)
  openApi(@Res() res: HttpResponse) {
    send(res, openApiResponse(this.openapi, this.ctx.settings.issuer));
  }
}
