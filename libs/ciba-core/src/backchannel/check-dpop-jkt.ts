import type { Client } from '../domain/client';
import { InvalidRequest } from '../errors/oauth-error';
import { stringParam, type AuthenticationParams } from './authentication-params';

/** base64url (no padding) of a SHA-256 digest: 43 characters (RFC 7638 §3, RFC 9449 §10). */
const JWK_THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * `dpop_jkt` (RFC 9449 §10, applied to the CIBA request): the JWK SHA-256 thumbprint
 * of the key the request's tokens will be bound to. Optional, but REQUIRED of a push
 * client registered with `dpop_bound_access_tokens` (it never calls the token
 * endpoint, so the binding cannot come from a DPoP proof there). Malformed or missing
 * when required: invalid_request.
 */
export function checkDpopJkt(client: Client, params: AuthenticationParams): string | undefined {
  const jkt = stringParam(params, 'dpop_jkt');
  if (jkt === undefined) {
    if (client.backchannelTokenDeliveryMode === 'push' && client.dpopBoundAccessTokens) {
      throw new InvalidRequest('dpop_jkt is required for a push client with DPoP-bound access tokens');
    }
    return undefined;
  }
  if (!JWK_THUMBPRINT.test(jkt)) throw new InvalidRequest('dpop_jkt must be a base64url SHA-256 JWK thumbprint');
  return jkt;
}
