import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import {
  PATHS,
  handleBackchannelAuthentication,
  handleDiscovery,
  handleIntrospection,
  handleJwks,
  handleRegistration,
  handleRevocation,
  handleToken,
  handleUserinfo,
} from '@onboard/ciba-core';
import { sendWireResponse as send, type HttpRequest, type HttpResponse } from '../http/wire';
import { WireController } from './wire.controller';

/** The OAuth / OpenID / CIBA endpoints: wire in, core handler, wire out. */
@Controller()
export class OAuthController extends WireController {
  @Get(PATHS.discovery)
  async discovery(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleDiscovery(this.ctx, await this.wire(req)));
  }

  @Get(PATHS.jwks)
  async jwks(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleJwks(this.ctx, await this.wire(req)));
  }

  @Post(PATHS.backchannel)
  async backchannel(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleBackchannelAuthentication(this.ctx, await this.wire(req)));
  }

  @Post(PATHS.token)
  async token(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleToken(this.ctx, await this.wire(req)));
  }

  @Get(PATHS.userinfo)
  async userinfoGet(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleUserinfo(this.ctx, await this.wire(req)));
  }

  @Post(PATHS.userinfo)
  async userinfoPost(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleUserinfo(this.ctx, await this.wire(req)));
  }

  @Post(PATHS.registration)
  async register(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleRegistration(this.ctx, await this.wire(req)));
  }

  @Post(PATHS.introspection)
  async introspect(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleIntrospection(this.ctx, await this.wire(req)));
  }

  @Post(PATHS.revocation)
  async revoke(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleRevocation(this.ctx, await this.wire(req)));
  }
}
