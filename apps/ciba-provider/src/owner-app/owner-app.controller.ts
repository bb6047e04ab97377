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
  handleRemoveDevice,
  handleSessionOptions,
  handleSessionVerify,
  handleReceipt,
  RECEIPTS_PATH,
  authenticateLiveChannel,
  type LiveChannel,
} from '@onboard/owner-auth';
import { OWNER_LIVE_CHANNEL } from '../providers/tokens';
import { WireController } from '../controllers/wire.controller';
import { sendWireResponse as send, type HttpRequest, type HttpResponse } from '../http/wire';

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

  /** The live channel: Server-Sent Events `request.created` while the app is open (15 s heartbeats). */
  @Get('events')
  async events(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    const auth = await authenticateLiveChannel(this.ctx, await this.wire(req));
    if ('error' in auth) return send(res, auth.error);
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
    res.write('retry: 3000\n\n');
    const unsubscribe = this.live.subscribe(auth.sub, (frame) => res.write(frame));
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  }

  @Post('enrolment/options')
  async enrolmentOptions(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleEnrolmentOptions(this.ctx, await this.wire(req)));
  }

  @Post('enrolment/verify')
  async enrolmentVerify(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleEnrolmentVerify(this.ctx, await this.wire(req)));
  }

  @Post('session/options')
  async sessionOptions(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleSessionOptions(this.ctx, await this.wire(req)));
  }

  @Post('session/verify')
  async sessionVerify(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleSessionVerify(this.ctx, await this.wire(req)));
  }

  @Get('session')
  async session(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleGetSession(this.ctx, await this.wire(req)));
  }

  @Delete('session')
  async signOut(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleDeleteSession(this.ctx, await this.wire(req)));
  }

  @Get('devices')
  async devices(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleListDevices(this.ctx, await this.wire(req)));
  }

  @Delete('devices/:id')
  async removeDevice(@Req() req: HttpRequest, @Res() res: HttpResponse, @Param('id') id: string) {
    send(res, await handleRemoveDevice(this.ctx, await this.wire(req), id));
  }

  @Post('invitations')
  async invitation(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleCreateInvitation(this.ctx, await this.wire(req)));
  }

  @Post('requests/:id/approval/options')
  async approvalOptions(@Req() req: HttpRequest, @Res() res: HttpResponse, @Param('id') id: string) {
    send(res, await handleApprovalOptions(this.ctx, await this.wire(req), id));
  }
}

/** Approval receipts for clients (docs/receipts.md): client-authenticated, like the token endpoint. */
@Controller()
export class ReceiptsController extends WireController {
  @Post(RECEIPTS_PATH)
  async receipt(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleReceipt(this.ctx, await this.wire(req)));
  }
}
