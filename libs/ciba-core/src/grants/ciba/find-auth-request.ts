import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';
import type { Client } from '../../domain/client';
import { InvalidGrant, InvalidRequest } from '../../errors/oauth-error';
import { sha256Base64url } from '../../tokens/token-hashes';

/**
 * CIBA §10.1: find the request named by `auth_req_id`. Only its hash is stored.
 * Unknown ids and ids issued to another client are both `invalid_grant`
 * (RFC 6749 §5.2; the conformance suite's wrong-client test), with the same
 * description so the answer does not reveal which.
 */
export async function findAuthRequest(
  ctx: ProviderContext,
  client: Client,
  form: Map<string, string>,
): Promise<AuthRequest> {
  const authReqId = form.get('auth_req_id');
  if (!authReqId) throw new InvalidRequest('auth_req_id is required');
  const request = await ctx.stores.authRequests.findByAuthReqIdHash(sha256Base64url(authReqId));
  if (!request || request.clientId !== client.clientId) throw new InvalidGrant('auth_req_id is invalid');
  return request;
}
