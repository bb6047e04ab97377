import { Controller, Get, Inject, Post, Req, Res, type Type } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BodyLimit } from '@onboard/nest-http';

/** Injection token of the handlers the parts of the bridge bind to its routes ({@link BridgeRouteHandlers}). */
export const BRIDGE_ROUTE_HANDLERS = Symbol('BRIDGE_ROUTE_HANDLERS');

/**
 * What serves a route: the handler the owning part of the bridge bound to it (the relay's push
 * receipt, the device admin, the metrics…), found by the route's own `METHOD /path` key. A route
 * no part bound on this listener answers 404, as if it did not exist (e.g. the admin API on the
 * public listener when BRIDGE_ADMIN_PORT moves it).
 */
export interface BridgeRouteHandlers {
  serve(route: string, req: FastifyRequest, reply: FastifyReply): Promise<void>;
}

abstract class BridgeRoutes {
  @Inject(BRIDGE_ROUTE_HANDLERS) protected readonly handlers!: BridgeRouteHandlers;
}

/** CIBA §10.2, §10.3: the client notification endpoint the provider pushes results to. */
@Controller()
export class NotificationController extends BridgeRoutes {
  @Post('/ciba/notify')
  @BodyLimit(32 * 1024)
  notify(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('POST /ciba/notify', req, reply);
  }
}

/** The bridge's public keys devices seal their payloads to (RFC 7517 §5; docs/protocol.md §5a). */
@Controller()
export class BridgeJwksController extends BridgeRoutes {
  @Get('/.well-known/jwks.json')
  keys(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('GET /.well-known/jwks.json', req, reply);
  }
}

/** The bridge admin API: the device registry (README, "Administration"; docs/bridge.md). */
@Controller()
export class DeviceAdminController extends BridgeRoutes {
  @Post('/admin/v1/devices')
  @BodyLimit(64 * 1024)
  register(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('POST /admin/v1/devices', req, reply);
  }

  /** `devices:import` (a literal colon, escaped for the router): a fleet file of some 100,000 devices. */
  @Post('/admin/v1/devices::import')
  @BodyLimit(64 * 1024 * 1024)
  import(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('POST /admin/v1/devices:import', req, reply);
  }

  @Get('/admin/v1/devices')
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('GET /admin/v1/devices', req, reply);
  }

  @Get('/admin/v1/devices/:id')
  get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('GET /admin/v1/devices/:id', req, reply);
  }

  @Post('/admin/v1/devices/:id/disable')
  @BodyLimit(1024)
  disable(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('POST /admin/v1/devices/:id/disable', req, reply);
  }

  @Post('/admin/v1/devices/:id/revoke')
  @BodyLimit(1024)
  revoke(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('POST /admin/v1/devices/:id/revoke', req, reply);
  }
}

/** Operations: health, Prometheus metrics and the API document. */
@Controller()
export class BridgeOpsController extends BridgeRoutes {
  @Get('/health')
  health(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('GET /health', req, reply);
  }

  @Get('/metrics')
  metrics(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('GET /metrics', req, reply);
  }

  /** The bridge's OpenAPI document (Swagger UI at `/docs`). */
  @Get('/openapi.json')
  openapi(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.handlers.serve('GET /openapi.json', req, reply);
  }
}

/** Every route of the bridge's HTTP API. */
export const BRIDGE_HTTP_CONTROLLERS: Type[] = [
  NotificationController,
  BridgeJwksController,
  DeviceAdminController,
  BridgeOpsController,
];
