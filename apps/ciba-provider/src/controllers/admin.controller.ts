import { Controller, Get, Module, Param, Post, Put, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ADMIN_ENDPOINTS as API, PATHS, handleAdminEndpoint, type AdminEndpoint } from '@onboard/ciba-core';
import { BodyLimit, sendWire } from '@onboard/nest-http';
import { WireController } from './wire.controller';

/**
 * The admin API (README "Administration", docs/openapi.yaml): owners, their devices, clients
 * and the audit trail. Each route hands its endpoint to the core, which checks the admin token
 * first, then the body against the endpoint's schema.
 */
@Controller(PATHS.admin)
export class AdminController extends WireController {
  private async run(req: FastifyRequest, reply: FastifyReply, endpoint: AdminEndpoint, ...params: string[]) {
    sendWire(reply, await handleAdminEndpoint(this.ctx, this.wire(req), endpoint, params));
  }

  @Get('owners')
  listOwners(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.run(req, reply, API.listOwners);
  }

  @Post('owners')
  createOwner(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.run(req, reply, API.createOwner);
  }

  @Put('owners/:sub/user-code')
  setUserCode(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.setUserCode, sub);
  }

  @Post('owners/:sub/user-code/unlock')
  unlockUserCode(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.unlockUserCode, sub);
  }

  @Post('owners/:sub/disable')
  disableOwner(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.disableOwner, sub);
  }

  @Post('owners/:sub/enable')
  enableOwner(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.enableOwner, sub);
  }

  @Get('owners/:sub/devices')
  listOwnerDevices(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.listOwnerDevices, sub);
  }

  @Post('owners/:sub/devices')
  createOwnerDevice(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.createOwnerDevice, sub);
  }

  @Post('owners/:sub/devices/:id/disable')
  disableOwnerDevice(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('sub') sub: string,
    @Param('id') id: string,
  ) {
    return this.run(req, reply, API.disableOwnerDevice, sub, id);
  }

  @Post('owners/:sub/invitations')
  createInvitation(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('sub') sub: string) {
    return this.run(req, reply, API.createInvitation, sub);
  }

  @Get('clients')
  listClients(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.run(req, reply, API.listClients);
  }

  @Post('clients')
  registerClient(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.run(req, reply, API.registerClient);
  }

  /** `clients:import` (a literal colon, escaped for the router): a bridge's fleet, in chunks of up to 1,000. */
  @Post('clients::import')
  @BodyLimit(4 * 1024 * 1024)
  importClients(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.run(req, reply, API.importClients);
  }

  @Get('clients/:id')
  getClient(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.run(req, reply, API.getClient, id);
  }

  @Put('clients/:id/branding')
  updateClientBranding(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.run(req, reply, API.updateClientBranding, id);
  }

  @Post('clients/:id/disable')
  disableClient(@Req() req: FastifyRequest, @Res() reply: FastifyReply, @Param('id') id: string) {
    return this.run(req, reply, API.disableClient, id);
  }

  @Get('audit')
  listAudit(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.run(req, reply, API.listAudit);
  }
}

@Module({ controllers: [AdminController] })
export class AdminModule {}
