import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleRevocation } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** RFC 7009: token revocation. */
@Controller()
export class RevocationController extends WireController {
  @Post(PATHS.revocation)
  async revoke(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleRevocation(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [RevocationController] })
export class RevocationModule {}
