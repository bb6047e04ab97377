import {
  PATHS,
  handleBackchannelAuthentication,
  handleDiscovery,
  handleIntrospection,
  handleJwks,
  handleOwnerDeviceDecision,
  handleOwnerDeviceGetRequest,
  handleOwnerDeviceListRequests,
  handleOwnerDeviceSetUserCode,
  handleOwnerDeviceUnlockUserCode,
  handleRegistration,
  handleRevocation,
  handleToken,
  handleUserinfo,
  type ProviderContext,
  type WireRequest,
  type WireResponse,
} from '@onboard/ciba-core';

/** One protocol endpoint: method, path template (`:id` is one path segment) and the core handler. */
export interface ProtocolRoute {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  /** New work (see IntakeGate): admitted a few at a time under load. Default false. */
  intake?: boolean;
  /** Completes a flow already started (see IntakeGate.finishing): intake yields to it. Default false. */
  finishing?: boolean;
  handle(ctx: ProviderContext, req: WireRequest, params: Readonly<Record<string, string>>): Promise<WireResponse>;
}

const OWNER_DEVICE = PATHS.ownerDevice;

/**
 * The OAuth / OpenID / CIBA endpoints and the owner-device API: wire in, core handler,
 * wire out. These are the endpoints every CIBA flow crosses several times, so the
 * provider serves them straight from node:http (see protocol-listener.ts) instead of
 * through Nest's router; everything else (admin API, health, metrics, OpenAPI, 404/405)
 * stays with the Nest controllers.
 */
export const PROTOCOL_ROUTES: readonly ProtocolRoute[] = [
  { method: 'GET', path: PATHS.discovery, handle: (ctx, req) => handleDiscovery(ctx, req) },
  { method: 'GET', path: PATHS.jwks, handle: (ctx, req) => handleJwks(ctx, req) },
  {
    method: 'POST',
    path: PATHS.backchannel,
    intake: true,
    handle: (ctx, req) => handleBackchannelAuthentication(ctx, req),
  },
  { method: 'POST', path: PATHS.token, finishing: true, handle: (ctx, req) => handleToken(ctx, req) },
  { method: 'GET', path: PATHS.userinfo, handle: (ctx, req) => handleUserinfo(ctx, req) },
  { method: 'POST', path: PATHS.userinfo, handle: (ctx, req) => handleUserinfo(ctx, req) },
  { method: 'POST', path: PATHS.registration, intake: true, handle: (ctx, req) => handleRegistration(ctx, req) },
  { method: 'POST', path: PATHS.introspection, handle: (ctx, req) => handleIntrospection(ctx, req) },
  { method: 'POST', path: PATHS.revocation, handle: (ctx, req) => handleRevocation(ctx, req) },
  { method: 'GET', path: `${OWNER_DEVICE}/requests`, handle: (ctx, req) => handleOwnerDeviceListRequests(ctx, req) },
  {
    method: 'GET',
    path: `${OWNER_DEVICE}/requests/:id`,
    handle: (ctx, req, { id }) => handleOwnerDeviceGetRequest(ctx, req, id),
  },
  {
    method: 'POST',
    path: `${OWNER_DEVICE}/requests/:id/approve`,
    finishing: true,
    handle: (ctx, req, { id }) => handleOwnerDeviceDecision(ctx, req, id, 'approve'),
  },
  {
    method: 'POST',
    path: `${OWNER_DEVICE}/requests/:id/deny`,
    finishing: true,
    handle: (ctx, req, { id }) => handleOwnerDeviceDecision(ctx, req, id, 'deny'),
  },
  { method: 'PUT', path: `${OWNER_DEVICE}/user-code`, handle: (ctx, req) => handleOwnerDeviceSetUserCode(ctx, req) },
  {
    method: 'POST',
    path: `${OWNER_DEVICE}/user-code/unlock`,
    handle: (ctx, req) => handleOwnerDeviceUnlockUserCode(ctx, req),
  },
];

/** A route that matched, with its decoded path parameters. */
export interface RouteMatch {
  route: ProtocolRoute;
  params: Record<string, string>;
}

/** A path parameter whose percent-encoding is malformed. */
export class MalformedPathParameter extends Error {}

interface Template {
  segments: string[];
  route: ProtocolRoute;
}

/**
 * Matches requests to {@link PROTOCOL_ROUTES} the way Express routes them: paths are
 * compared case-insensitively, a trailing slash is optional, HEAD is answered by the
 * GET route, and `:param` segments are percent-decoded.
 */
export class ProtocolRouter {
  private readonly literal = new Map<string, ProtocolRoute>();
  private readonly templates: Template[] = [];

  constructor(routes: readonly ProtocolRoute[] = PROTOCOL_ROUTES) {
    for (const route of routes) {
      const path = route.path.toLowerCase();
      if (path.includes('/:')) this.templates.push({ segments: path.split('/'), route });
      else this.literal.set(`${route.method} ${path}`, route);
    }
  }

  /** The route for `method` and the raw (still percent-encoded) `path`, if any. */
  match(method: string, path: string): RouteMatch | undefined {
    const wanted = method === 'HEAD' ? 'GET' : method;
    let key = path.toLowerCase();
    if (key.length > 1 && key.endsWith('/')) key = key.slice(0, -1);
    const route = this.literal.get(`${wanted} ${key}`);
    if (route) return { route, params: {} };
    if (this.templates.length === 0) return undefined;
    const lower = key.split('/');
    for (const template of this.templates) {
      if (template.route.method !== wanted || template.segments.length !== lower.length) continue;
      if (!template.segments.every((s, i) => s.startsWith(':') || s === lower[i])) continue;
      if (!template.segments.every((s, i) => !s.startsWith(':') || lower[i] !== '')) continue;
      const raw = path.split('/');
      const params: Record<string, string> = {};
      template.segments.forEach((s, i) => {
        if (s.startsWith(':')) params[s.slice(1)] = decodeSegment(raw[i]);
      });
      return { route: template.route, params };
    }
    return undefined;
  }
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new MalformedPathParameter('malformed percent-encoding in the path');
  }
}
