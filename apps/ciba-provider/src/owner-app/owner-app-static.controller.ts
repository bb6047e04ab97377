import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { resolve } from 'node:path';
import { sendWire as send } from '@onboard/nest-http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { OWNER_APP_DIST, ownerAppFile } from './owner-app-files';

/** The built owner app (a PWA) at `/app/`: static files with their cache policy. */
@Controller('app')
export class OwnerAppStaticController {
  private readonly root = resolve(OWNER_APP_DIST);

  @Get()
  async page(@Req() req: FastifyRequest, @Res() res: FastifyReply) {
    // `/app` → `/app/`: the service worker's scope and the start URL are `/app/`.
    if (!req.url.split('?')[0].endsWith('/')) {
      send(res, { status: 308, headers: { location: '/app/', 'cache-control': 'no-cache' } });
      return;
    }
    send(res, await ownerAppFile(this.root, ''));
  }

  @Get('*')
  async file(@Param('*') path: string, @Res() res: FastifyReply) {
    send(res, await ownerAppFile(this.root, path));
  }
}
