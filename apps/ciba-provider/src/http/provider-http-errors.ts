import { InvalidRequest, MethodNotAllowed, NotFound, PayloadTooLarge } from '@onboard/ciba-core';
import type { FrameworkErrors } from '@onboard/nest-http';

/**
 * Largest request body accepted. OAuth requests are small; signed request objects and DCR
 * metadata with an inline JWKS are the largest legitimate bodies.
 */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * What the router and the body parser refuse, in OAuth's words (RFC 6749 §5.2): an unknown
 * path is `404 not_found`; a known path with another method `405 invalid_request` with `Allow`;
 * a body over {@link MAX_BODY_BYTES} `413 invalid_request`, and the connection is closed after
 * the answer (the rest of the body is not read); any other malformed request `400 invalid_request`.
 */
export const PROVIDER_HTTP_ERRORS: FrameworkErrors = {
  notFound: () => new NotFound('no such endpoint'),
  methodNotAllowed: (allow) => {
    const error = new MethodNotAllowed(allow.length > 0 ? `use ${allow.join(' or ')}` : 'method not allowed');
    if (allow.length > 0) error.headers = { allow: allow.join(', ') };
    return error;
  },
  payloadTooLarge: () => {
    const error = new PayloadTooLarge(`request body exceeds ${MAX_BODY_BYTES} bytes`);
    error.headers = { connection: 'close' };
    return error;
  },
  badRequest: () => new InvalidRequest('request could not be processed'),
};
