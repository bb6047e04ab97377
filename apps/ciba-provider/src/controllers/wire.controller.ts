import { Inject } from '@nestjs/common';
import type { ProviderContext, WireRequest } from '@onboard/ciba-core';
import { PROVIDER_CONTEXT } from '../providers/tokens';
import { toWireRequest, type HttpRequest } from '../http/wire';

/** Base of the controllers: the context, and the request turned into a WireRequest. */
export abstract class WireController {
  @Inject(PROVIDER_CONTEXT) protected readonly ctx!: ProviderContext;

  /** The issuer-based WireRequest with the size-bounded raw body. */
  protected wire(req: HttpRequest): Promise<WireRequest> {
    return toWireRequest(req, this.ctx.settings.issuer);
  }
}
