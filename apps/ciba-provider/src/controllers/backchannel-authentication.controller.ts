import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleBackchannelAuthentication } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** CIBA §7: the backchannel authentication endpoint. */
@Controller()
export class BackchannelAuthenticationController extends WireController {
  @Post(PATHS.backchannel)
  async authenticate(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleBackchannelAuthentication(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [BackchannelAuthenticationController] })
export class BackchannelAuthenticationModule {}
