import { Controller, Module, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PATHS, handleRegistration } from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** RFC 7591: Dynamic Client Registration (with an initial access token). */
@Controller()
export class RegistrationController extends WireController {
  @Post(PATHS.registration)
  async register(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleRegistration(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [RegistrationController] })
export class RegistrationModule {}
