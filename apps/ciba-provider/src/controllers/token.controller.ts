import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleToken } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** RFC 6749 §3.2 / CIBA §10.1: the token endpoint (CIBA and refresh-token grants). */
@Controller()
export class TokenController extends WireController {
  @Post(PATHS.token)
  async token(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleToken(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [TokenController] })
export class TokenModule {}
