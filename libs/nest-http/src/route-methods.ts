import type { FastifyInstance } from 'fastify';
import FindMyWay, { type HTTPMethod } from 'find-my-way';

/** The order methods are named in `Allow`. */
const ORDER = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/**
 * The methods each registered path answers, to tell "wrong method" (405 with `Allow`,
 * RFC 9110 §15.5.6) from "no such endpoint" (404) when the router finds no route. Fastify
 * answers both with its not-found handler; this records every route as it is registered (its
 * `onRoute` hook) in a router of the same matching rules, and asks it for the path's methods.
 *
 * @example
 * const methods = RouteMethods.track(app.getHttpAdapter().getInstance()); // before app.init()
 * methods.allowed('/token'); // ['POST']
 */
export class RouteMethods {
  private readonly router = FindMyWay({ caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 512 });
  private readonly methods = new Set<string>();

  /** Start recording the routes `instance` registers from now on. */
  static track(instance: FastifyInstance): RouteMethods {
    const methods = new RouteMethods();
    instance.addHook('onRoute', (route) => {
      for (const method of ([] as string[]).concat(route.method)) methods.add(method, route.url ?? route.path);
    });
    return methods;
  }

  /** Record that `path` (a route template, `:name` parameters) answers `method`. */
  add(method: string, path: string): void {
    const upper = method.toUpperCase();
    if (this.router.hasRoute(upper as HTTPMethod, path)) return;
    this.router.on(upper as HTTPMethod, path, () => undefined);
    this.methods.add(upper);
  }

  /** The methods `path` answers (HEAD last, where GET is), or undefined for an unknown path. */
  allowed(path: string): string[] | undefined {
    const found = [...this.methods]
      .filter((method) => method !== 'HEAD' && this.router.find(method as HTTPMethod, path))
      .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    if (found.length === 0) return undefined;
    return found.includes('GET') ? [...found, 'HEAD'] : found;
  }
}
