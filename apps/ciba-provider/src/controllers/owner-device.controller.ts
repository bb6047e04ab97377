import { Controller, Get, Module, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  PATHS,
  handleOwnerDeviceDecision,
  handleOwnerDeviceGetRequest,
  handleOwnerDeviceHistory,
  handleOwnerDeviceListRequests,
  handleOwnerDeviceSetUserCode,
  handleOwnerDeviceUnlockUserCode,
} from '@onboard/ciba-core';
import { sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/** The owner-device API: what the owner's phone (the authentication device) calls. */
@Controller(PATHS.ownerDevice)
export class OwnerDeviceController extends WireController {
  @Get('requests')
  async list(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleOwnerDeviceListRequests(this.ctx, this.wire(req)));
  }

  @Get('history')
  async history(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleOwnerDeviceHistory(this.ctx, this.wire(req)));
  }

  @Get('requests/:id')
  async get(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    sendWire(reply, await handleOwnerDeviceGetRequest(this.ctx, this.wire(req), id));
  }

  @Post('requests/:id/approve')
  async approve(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    sendWire(reply, await handleOwnerDeviceDecision(this.ctx, this.wire(req), id, 'approve'));
  }

  @Post('requests/:id/deny')
  async deny(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    sendWire(reply, await handleOwnerDeviceDecision(this.ctx, this.wire(req), id, 'deny'));
  }

  @Put('user-code')
  async setUserCode(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleOwnerDeviceSetUserCode(this.ctx, this.wire(req)));
  }

  @Post('user-code/unlock')
  async unlockUserCode(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    sendWire(reply, await handleOwnerDeviceUnlockUserCode(this.ctx, this.wire(req)));
  }
}

@Module({ controllers: [OwnerDeviceController] })
export class OwnerDeviceModule {}
