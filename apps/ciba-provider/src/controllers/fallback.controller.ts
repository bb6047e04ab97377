import { All, Controller, Req } from '@nestjs/common';
import { requestPath, type HttpRequest } from '../http/wire';
import { unroutedError } from '../http/route-table';

/**
 * Registered last (routeResolutionStrategy 'specificity' puts wildcards after literal
 * routes): a request no route took gets 405 + Allow on a known path, else 404, both
 * rendered by the exception filter as JSON.
 */
@Controller()
export class FallbackController {
  @All(['/', '{*path}'])
  unrouted(@Req() req: HttpRequest): never {
    throw unroutedError(requestPath(req));
  }
}
