import { Controller, Delete, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { PATHS } from '@onboard/ciba-core';
import {
  handleApprovalOptions,
  handleCreateInvitation,
  handleDeleteSession,
  handleEnrolmentOptions,
  handleEnrolmentVerify,
  handleGetSession,
  handleListDevices,
  handleListVehicles,
  handleUnpairVehicle,
  handleRemoveDevice,
  handleSessionOptions,
  handleSessionVerify,
  handleReceipt,
  handlePushKey,
  handleAddPushSubscription,
  handleRemovePushSubscription,
  RECEIPTS_PATH,
  authenticateLiveChannel,
  type LiveChannel,
} from '@onboard/owner-auth';
import { OWNER_LIVE_CHANNEL } from '../providers/tokens';
import { WireController } from '../controllers/wire.controller';
import { sendWire as send } from '@onboard/nest-http';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The owner app's part of the owner-device API (docs/owner-app.md): enrolment, passkey
 * sign-in and session, devices and invitations, approval options. One line per route: wire
 * in, `@onboard/owner-auth` handler, wire out. (Listing, reading, approving and denying
 * requests are the owner-device API's own routes, which accept the app's session too.)
 */
@Controller(PATHS.ownerDevice)
export class OwnerAppController extends WireController {
  constructor(@Inject(OWNER_LIVE_CHANNEL) private readonly live: LiveChannel) {
    super();
  }

  /**
   * The live channel: Server-Sent Events `request.created` and `request.updated` while the app
   * is open (15 s heartbeats).
   */
  @Get('events')
  async events(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const auth = await authenticateLiveChannel(this.ctx, this.wire(req));
    if ('error' in auth) return send(reply, auth.error);
    // A stream: the response is written directly, outside Fastify's reply cycle.
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    const unsubscribe = this.live.subscribe(auth.sub, (frame) => res.write(frame));
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    req.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  @Post('enrolment/options')
  async enrolmentOptions(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleEnrolmentOptions(this.ctx, this.wire(req)));
  }

  @Post('enrolment/verify')
  async enrolmentVerify(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleEnrolmentVerify(this.ctx, this.wire(req)));
  }

  @Post('session/options')
  async sessionOptions(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleSessionOptions(this.ctx, this.wire(req)));
  }

  @Post('session/verify')
  async sessionVerify(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleSessionVerify(this.ctx, this.wire(req)));
  }

  @Get('session')
  async session(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleGetSession(this.ctx, this.wire(req)));
  }

  @Delete('session')
  async signOut(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleDeleteSession(this.ctx, this.wire(req)));
  }

  @Get('devices')
  async devices(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleListDevices(this.ctx, this.wire(req)));
  }

  @Delete('devices/:id')
  async removeDevice(@Req() req: FastifyRequest, @Res() res: FastifyReply, @Param('id') id: string) {
    send(res, await handleRemoveDevice(this.ctx, this.wire(req), id));
  }

  @Get('vehicles')
  async vehicles(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleListVehicles(this.ctx, this.wire(req)));
  }

  @Post('vehicles/:clientId/unpair')
  async unpair(@Req() req: FastifyRequest, @Res() res: FastifyReply, @Param('clientId') clientId: string) {
    send(res, await handleUnpairVehicle(this.ctx, this.wire(req), clientId));
  }

  @Post('invitations')
  async invitation(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleCreateInvitation(this.ctx, this.wire(req)));
  }

  @Get('push/key')
  async pushKey(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handlePushKey(this.ctx, this.wire(req)));
  }

  @Post('push/subscriptions')
  async addPushSubscription(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleAddPushSubscription(this.ctx, this.wire(req)));
  }

  @Delete('push/subscriptions')
  async removePushSubscription(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleRemovePushSubscription(this.ctx, this.wire(req)));
  }

  @Post('requests/:id/approval/options')
  async approvalOptions(@Req() req: FastifyRequest, @Res() res: FastifyReply, @Param('id') id: string) {
    send(res, await handleApprovalOptions(this.ctx, this.wire(req), id));
  }
}

/** Approval receipts for clients (docs/receipts.md): client-authenticated, like the token endpoint. */
@Controller()
export class ReceiptsController extends WireController {
  @Post(RECEIPTS_PATH)
  async receipt(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    send(res, await handleReceipt(this.ctx, this.wire(req)));
  }
}
