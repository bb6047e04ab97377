import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

/** One route a controller declares: method and full path (`:name` parameters). */
export interface DeclaredRoute {
  method: string;
  path: string;
}

const join = (...parts: string[]) =>
  `/${parts
    .flatMap((part) => part.split('/'))
    .filter(Boolean)
    .join('/')}`;

/**
 * The routes `controllers` declare, read from their Nest decorators (`@Controller(prefix)`,
 * `@Get(path)`…): what the apps serve, for checks of their API description and for the
 * document's generator. No route table is kept beside the controllers.
 *
 * @example
 * declaredRoutes([TokenController]); // [{ method: 'POST', path: '/token' }]
 */
export function declaredRoutes(controllers: readonly Type[]): DeclaredRoute[] {
  return controllers.flatMap((controller) => {
    const prefixes = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '/');
    const prototype = controller.prototype as Record<string, unknown>;
    const names = new Set<string>();
    for (let p = prototype; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
      for (const name of Object.getOwnPropertyNames(p)) names.add(name);
    }
    return [...names].flatMap((name) => {
      const handler = prototype[name];
      if (typeof handler !== 'function' || name === 'constructor') return [];
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      if (method === undefined || paths === undefined) return [];
      return prefixes.flatMap((prefix) =>
        ([] as string[]).concat(paths).map((path) => ({ method: RequestMethod[method], path: join(prefix, path) })),
      );
    });
  });
}
