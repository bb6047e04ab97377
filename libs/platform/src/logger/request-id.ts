import { randomUUID } from 'node:crypto';
import type { AppLogger } from './logger';

/** The header a request id travels in (set by a proxy in front, echoed in the response). */
export const REQUEST_ID_HEADER = 'x-request-id';

/** What a request id may look like when it comes from outside: short, no spaces or control characters. */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of one incoming request: the `x-request-id` a proxy in front set, when it is
 * well-formed (so a client cannot write arbitrary text into the logs through it), else a new
 * random UUID.
 *
 * @example
 * const reqId = requestIdOf(req.headers['x-request-id']); // '9b2c…' or the proxy's id
 */
export function requestIdOf(header: string | string[] | undefined, newId: () => string = randomUUID): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && WELL_FORMED.test(value) ? value : newId();
}

/**
 * A child logger for one request: every line it writes carries `reqId`, so the lines of one
 * request can be found together.
 *
 * @example
 * const log = requestLogger(logger, requestIdOf(req.headers[REQUEST_ID_HEADER]));
 * log.warn('client authentication failed', { clientId });
 */
export function requestLogger(logger: AppLogger, reqId: string): AppLogger {
  return logger.child({ reqId });
}
