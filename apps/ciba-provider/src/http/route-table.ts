import { MethodNotAllowed, NotFound, PATHS, type OAuthError } from '@onboard/ciba-core';
import { requestPath, type HttpRequest } from './wire';

/**
 * Which methods each endpoint answers. The controllers register the routes; this
 * table only lets the catch-all tell "wrong method" (405 with Allow) from "no such
 * endpoint" (404). `:param` matches one path segment.
 */
export const ROUTE_METHODS: readonly { path: string; methods: readonly string[] }[] = [
  { path: PATHS.discovery, methods: ['GET'] },
  { path: PATHS.jwks, methods: ['GET'] },
  { path: PATHS.backchannel, methods: ['POST'] },
  { path: PATHS.token, methods: ['POST'] },
  { path: PATHS.userinfo, methods: ['GET', 'POST'] },
  { path: PATHS.introspection, methods: ['POST'] },
  { path: PATHS.revocation, methods: ['POST'] },
  { path: PATHS.registration, methods: ['POST'] },
  { path: `${PATHS.ownerDevice}/requests`, methods: ['GET'] },
  { path: `${PATHS.ownerDevice}/requests/:id`, methods: ['GET'] },
  { path: `${PATHS.ownerDevice}/requests/:id/approve`, methods: ['POST'] },
  { path: `${PATHS.ownerDevice}/requests/:id/deny`, methods: ['POST'] },
  { path: `${PATHS.ownerDevice}/user-code`, methods: ['PUT'] },
  { path: PATHS.health, methods: ['GET'] },
  { path: PATHS.metrics, methods: ['GET'] },
  { path: PATHS.openapi, methods: ['GET'] },
];

function matches(template: string, path: string): boolean {
  const want = template.split('/');
  const got = path.split('/');
  return (
    want.length === got.length &&
    want.every((segment, i) => (segment.startsWith(':') ? got[i] !== '' : segment === got[i]))
  );
}

/** The methods `path` answers, with HEAD wherever GET is; undefined for an unknown path. */
export function allowedMethods(path: string): string[] | undefined {
  const route = ROUTE_METHODS.find((candidate) => matches(candidate.path, path));
  if (!route) return undefined;
  return route.methods.includes('GET') ? [...route.methods, 'HEAD'] : [...route.methods];
}

/** The error for a request no route took: 405 with `Allow` for a known path, else 404. */
export function unroutedError(path: string): OAuthError {
  const allowed = allowedMethods(path);
  if (!allowed) return new NotFound('no such endpoint');
  const error = new MethodNotAllowed(`use ${allowed.join(' or ')}`);
  error.headers = { allow: allowed.join(', ') };
  return error;
}

/** The raw (still percent-encoded) path below `prefix`, e.g. '/owners/alice' below '/admin/v1'. */
export function pathBelow(prefix: string, req: HttpRequest): string {
  return requestPath(req).slice(prefix.length);
}
