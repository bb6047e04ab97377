import { InvalidClient, InvalidRequest } from '../errors/oauth-error';
import type { WireRequest } from '../wire/wire';

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The client credentials found in a request; exactly one method (RFC 6749 §2.3). */
export type PresentedCredentials =
  | { method: 'client_secret_basic'; clientId: string; secret: string }
  | { method: 'client_secret_post'; clientId: string; secret: string }
  | { method: 'private_key_jwt'; clientId?: string; assertion: string };

/** The challenge sent with 401 invalid_client (RFC 6749 §5.2, RFC 9110 §11.6.1). */
export const BASIC_CHALLENGE = 'Basic realm="onboard"';

/** An invalid_client error carrying the Basic challenge. */
export function invalidClient(description: string): InvalidClient {
  const error = new InvalidClient(description);
  error.headers = { 'www-authenticate': BASIC_CHALLENGE };
  return error;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** application/x-www-form-urlencoded decoding of one Basic credential part (RFC 6749 §2.3.1). */
function formUrlDecode(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    throw invalidClient('malformed client credentials in the Authorization header');
  }
}

function parseBasic(value: string): { clientId: string; secret: string } {
  const encoded = value.slice(6).trim();
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0) {
    throw invalidClient('malformed client credentials in the Authorization header');
  }
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw invalidClient('malformed client credentials in the Authorization header');
  return { clientId: formUrlDecode(decoded.slice(0, colon)), secret: formUrlDecode(decoded.slice(colon + 1)) };
}

/**
 * Find the one client authentication method used (RFC 6749 §2.3: a client MUST NOT
 * use more than one; OIDC Core §9). More than one → invalid_request; none → invalid_client.
 * A `client_id` form parameter, when present, must name the same client.
 */
export function readClientCredentials(req: WireRequest, form: Map<string, string>): PresentedCredentials {
  const authorization = req.headers.authorization;
  const basic = authorization !== undefined && /^basic /i.test(authorization);
  if (authorization !== undefined && !basic) {
    throw invalidClient('only the Basic scheme is accepted for client authentication');
  }
  const secret = form.get('client_secret');
  const assertion = form.get('client_assertion');
  const assertionType = form.get('client_assertion_type');
  const formClientId = form.get('client_id');
  const used = Number(basic) + Number(secret !== undefined) + Number(assertion !== undefined);
  if (used > 1) throw new InvalidRequest('more than one client authentication method was used');
  if (used === 0) {
    if (assertionType !== undefined) throw new InvalidRequest('client_assertion is missing');
    throw invalidClient('client authentication is required');
  }
  if (basic) {
    const credentials = parseBasic(authorization);
    if (formClientId !== undefined && formClientId !== credentials.clientId) {
      throw new InvalidRequest('client_id does not match the Authorization header');
    }
    return { method: 'client_secret_basic', ...credentials };
  }
  if (secret !== undefined) {
    if (formClientId === undefined) throw new InvalidRequest('client_id is required with client_secret');
    return { method: 'client_secret_post', clientId: formClientId, secret };
  }
  // RFC 7523 §2.2
  if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
    throw new InvalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION_TYPE}`);
  }
  return { method: 'private_key_jwt', clientId: formClientId, assertion: assertion as string };
}
