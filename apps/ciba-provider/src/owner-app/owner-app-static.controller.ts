import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { resolve } from 'node:path';
import { requestPath, sendWireResponse as send, type HttpRequest, type HttpResponse } from '../http/wire';
import { OWNER_APP_DIST, ownerAppFile } from './owner-app-files';

/** The built owner app (a PWA) at `/app/`: static files with their cache policy. */
@Controller('app')
export class OwnerAppStaticController {
  private readonly root = resolve(OWNER_APP_DIST);

  @Get()
  async page(@Req() req: HttpRequest, @Res() res: HttpResponse) {
    // `/app` → `/app/`: the service worker's scope and the start URL are `/app/`.
    if (!requestPath(req).endsWith('/')) {
      send(res, { status: 308, headers: { location: '/app/', 'cache-control': 'no-cache' } });
      return;
    }
    send(res, await ownerAppFile(this.root, ''));
  }

  @Get('{*path}')
  async file(@Param('path') path: string | string[], @Res() res: HttpResponse) {
    send(res, await ownerAppFile(this.root, Array.isArray(path) ? path.join('/') : path));
  }
}
