/**
 * Hash routes: every screen has a URL, and the invitation token stays in the
 * fragment (`#/enrol/{token}`), which the browser never sends to a server or in
 * a Referer header.
 */
export type Route =
  | { name: 'enrol'; token: string }
  | { name: 'sign-in' }
  | { name: 'requests' }
  | { name: 'request'; id: string }
  | { name: 'history' }
  | { name: 'vehicles' }
  | { name: 'devices' }
  | { name: 'settings' }
  | { name: 'not-found' };

const SIMPLE = ['sign-in', 'requests', 'history', 'vehicles', 'devices', 'settings'] as const;

function decode(part: string): string | undefined {
  try {
    const value = decodeURIComponent(part);
    return value && value.length <= 2048 ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The route of a location hash ("#/requests/abc"); the empty hash is the request list. */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#\/?/, '').replace(/\/+$/, '');
  if (path === '') return { name: 'requests' };
  const [head, ...rest] = path.split('/');
  if (rest.length === 0 && (SIMPLE as readonly string[]).includes(head)) {
    return { name: head as (typeof SIMPLE)[number] };
  }
  if (rest.length === 1) {
    const value = decode(rest[0]);
    if (value && head === 'enrol') return { name: 'enrol', token: value };
    if (value && head === 'requests') return { name: 'request', id: value };
  }
  return { name: 'not-found' };
}

/** The hash of a route, for links. */
export function hrefOf(route: Route): string {
  switch (route.name) {
    case 'enrol':
      return `#/enrol/${encodeURIComponent(route.token)}`;
    case 'request':
      return `#/requests/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return '#/requests';
    default:
      return `#/${route.name}`;
  }
}

/** Routes that need no session: enrolment and sign-in. */
export const isPublic = (route: Route) => route.name === 'enrol' || route.name === 'sign-in';
