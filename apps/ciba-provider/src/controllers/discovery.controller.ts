import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleDiscovery } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** OpenID Connect Discovery 1.0 §4: the provider metadata. */
@Controller()
export class DiscoveryController extends WireController {
  @Get(PATHS.discovery)
  async metadata(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleDiscovery(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [DiscoveryController] })
export class DiscoveryModule {}
