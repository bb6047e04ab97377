import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleIntrospection } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** RFC 7662: token introspection. */
@Controller()
export class IntrospectionController extends WireController {
  @Post(PATHS.introspection)
  async introspect(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleIntrospection(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [IntrospectionController] })
export class IntrospectionModule {}
