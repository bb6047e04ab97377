import { decodeProtectedHeader, errors, type JWTPayload } from 'jose';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { InvalidRequest } from '../errors/oauth-error';

function audienceIncludes(payload: JWTPayload, clientId: string): boolean {
  return Array.isArray(payload.aud) ? payload.aud.includes(clientId) : payload.aud === clientId;
}

/**
 * `id_token_hint` (CIBA §7.1): an ID Token this OP issued to this client, verified
 * with our published keys; `iss` must be our issuer and `aud` must include the client.
 * Expired tokens are accepted up to settings.idTokenHintMaxAge seconds past `exp`
 * (CIBA §7.1 lets the OP accept expired ID Tokens). A token we cannot validate is
 * invalid_request (RFC 6749 §5.2: invalid parameter value; CIBA §13 keeps
 * unknown_user_id for a valid hint naming no known user), which is what callers get
 * from node-oidc-provider too. Returns undefined when the subject is unknown.
 */
export async function resolveIdTokenHint(
  ctx: ProviderContext,
  client: Client,
  idToken: string,
): Promise<Owner | undefined> {
  let payload: JWTPayload;
  try {
    // Access tokens (RFC 9068, typ at+jwt) are signed with the same keys: never accept one as a hint.
    if (decodeProtectedHeader(idToken).typ === 'at+jwt') throw new InvalidRequest('id_token_hint is not an ID Token');
    ({ payload } = await ctx.keys.verify(idToken, { audience: client.clientId }));
  } catch (err) {
    if (!(err instanceof errors.JWTExpired)) throw new InvalidRequest('id_token_hint could not be validated');
    // jose checks the signature before the claims: a JWTExpired token is authentic.
    payload = err.payload;
    const exp = payload.exp as number;
    const now = ctx.clock.now() / 1000;
    if (
      now - exp > ctx.settings.idTokenHintMaxAge ||
      payload.iss !== ctx.settings.issuer ||
      !audienceIncludes(payload, client.clientId)
    ) {
      throw new InvalidRequest('id_token_hint could not be validated');
    }
  }
  if (typeof payload.sub !== 'string') throw new InvalidRequest('id_token_hint has no subject');
  return ctx.stores.owners.find(payload.sub);
}
