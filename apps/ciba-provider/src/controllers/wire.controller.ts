import { Inject } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ProviderContext, WireRequest } from '@onboard/ciba-core';
import { toWireRequest } from '@onboard/nest-http';
import { PROVIDER_CONTEXT } from '../providers/tokens';

/** Base of the controllers: the context, and the request as the core takes it. */
export abstract class WireController {
  @Inject(PROVIDER_CONTEXT) protected readonly ctx!: ProviderContext;

  /** The issuer-based WireRequest with the raw, size-bounded body. */
  protected wire(req: FastifyRequest): WireRequest {
    return toWireRequest(req, this.ctx.settings.issuer);
  }
}
