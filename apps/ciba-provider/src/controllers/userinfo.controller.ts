import { Controller, Get, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleUserinfo } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** OpenID Connect Core §5.3: the UserInfo endpoint (GET and POST). */
@Controller()
export class UserinfoController extends WireController {
  @Get(PATHS.userinfo)
  async get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleUserinfo(this.ctx, this.wire(req)));
  }

  @Post(PATHS.userinfo)
  async post(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleUserinfo(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [UserinfoController] })
export class UserinfoModule {}
