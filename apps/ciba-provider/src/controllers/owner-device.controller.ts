import { Controller, Get, Param, Post, Put, Req, Res } from '@nestjs/common';
import {
  PATHS,
  handleOwnerDeviceDecision,
  handleOwnerDeviceGetRequest,
  handleOwnerDeviceListRequests,
  handleOwnerDeviceSetUserCode,
} from '@onboard/ciba-core';
import { sendWireResponse as send, type HttpRequest, type HttpResponse } from '../http/wire';
import { WireController } from './wire.controller';

/** The owner-device API: an owner's authentication device lists and answers requests. */
@Controller(PATHS.ownerDevice)
export class OwnerDeviceController extends WireController {
  @Get('requests')
  async list(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleOwnerDeviceListRequests(this.ctx, await this.wire(req)));
  }

  @Get('requests/:id')
  async get(@Req() req: HttpRequest, @Res() res: HttpResponse, @Param('id') id: string) {
    send(res, await handleOwnerDeviceGetRequest(this.ctx, await this.wire(req), id));
  }

  @Post('requests/:id/approve')
  async approve(@Req() req: HttpRequest, @Res() res: HttpResponse, @Param('id') id: string) {
    send(res, await handleOwnerDeviceDecision(this.ctx, await this.wire(req), id, 'approve'));
  }

  @Post('requests/:id/deny')
  async deny(@Req() req: HttpRequest, @Res() res: HttpResponse, @Param('id') id: string) {
    send(res, await handleOwnerDeviceDecision(this.ctx, await this.wire(req), id, 'deny'));
  }

  @Put('user-code')
  async setUserCode(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleOwnerDeviceSetUserCode(this.ctx, await this.wire(req)));
  }
}
