import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleJwks } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** The provider's public keys (RFC 7517 §5): signing keys and the request-object encryption key. */
@Controller()
export class JwksController extends WireController {
  @Get(PATHS.jwks)
  async keys(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleJwks(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [JwksController] })
export class JwksModule {}
