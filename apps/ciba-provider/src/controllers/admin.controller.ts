import { All, Controller, Req, Res } from '@nestjs/common';
import { PATHS, handleAdmin } from '@onboard/ciba-core';
import { pathBelow } from '../http/route-table';
import { sendWireResponse as send, type HttpRequest, type HttpResponse } from '../http/wire';
import { WireController } from './wire.controller';

/** The admin API: every method and path below PATHS.admin goes to the core's admin router. */
@Controller()
export class AdminController extends WireController {
  @All([PATHS.admin, `${PATHS.admin}/{*subpath}`])
  async admin(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    send(res, await handleAdmin(this.ctx, await this.wire(req), pathBelow(PATHS.admin, req)));
  }
}
