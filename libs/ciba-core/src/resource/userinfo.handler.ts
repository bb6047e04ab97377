import type { ProviderContext } from '../context';
import type { Owner } from '../domain/owner';
import type { SigningAlg } from '../domain/tokens';
import { InsufficientScope, MethodNotAllowed } from '../errors/oauth-error';
import { parseForm } from '../http/parse-body';
import { jsonNoStore, NO_STORE, renderHttpError } from '../http/render-http';
import { PATHS } from '../paths';
import type { WireRequest, WireResponse } from '../wire/wire';
import { authenticateAccessToken, resourceChallenge } from './access-token';

/** OIDC Core §5.4: the claims each scope releases (from what the owner record holds). */
function claimsFor(owner: Owner, scopes: Set<string>): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: owner.sub }; // OIDC Core §5.3.2: sub always
  if (scopes.has('profile')) {
    if (owner.name !== undefined) claims.name = owner.name;
    if (owner.username !== undefined) claims.preferred_username = owner.username;
  }
  if (scopes.has('email') && owner.email !== undefined) {
    claims.email = owner.email;
    claims.email_verified = false; // the owner store records no verification
  }
  if (scopes.has('phone') && owner.phoneNumber !== undefined) {
    claims.phone_number = owner.phoneNumber;
    claims.phone_number_verified = false;
  }
  return claims;
}

/**
 * OIDC Core §5.3.2: for a client that registered `userinfo_signed_response_alg`, the
 * claims as a JWT signed with that alg, carrying `iss` and `aud` (the client id).
 */
async function signedUserinfo(
  ctx: ProviderContext,
  claims: Record<string, unknown>,
  clientId: string,
  alg: SigningAlg,
): Promise<WireResponse> {
  const iat = Math.floor(ctx.clock.now() / 1000);
  const jwt = await ctx.keys.sign({ ...claims, iss: ctx.settings.issuer, aud: clientId, iat }, { alg });
  return { status: 200, headers: { ...NO_STORE, 'content-type': 'application/jwt' }, body: jwt };
}

const isFormPost = (req: WireRequest) =>
  req.method === 'POST' &&
  (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase() === 'application/x-www-form-urlencoded';

/**
 * The UserInfo endpoint (OIDC Core §5.3), GET or POST, with a Bearer (RFC 6750) or
 * DPoP-bound (RFC 9449 §7) access token. Returns the owner's claims allowed by the
 * token's scope: JSON, or a signed JWT for a client that registered
 * `userinfo_signed_response_alg`. Never throws.
 *
 * @example
 * const res = await handleUserinfo(ctx, { method: 'GET', url, headers: { authorization: `Bearer ${at}` } });
 */
export async function handleUserinfo(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw new MethodNotAllowed('use GET or POST');
    const form = isFormPost(req) ? parseForm(req) : undefined;
    // The owner comes with the token: enabled, and the grant approved after their last disable.
    const { claims, scheme, owner, client } = await authenticateAccessToken(ctx, req, PATHS.userinfo, form);
    const scopes = new Set((claims.scope ?? '').split(' '));
    if (!scopes.has('openid')) {
      const error = new InsufficientScope('the access token lacks the openid scope');
      error.headers = { 'www-authenticate': resourceChallenge(scheme, error.code) };
      throw error;
    }
    ctx.metrics.outcome('userinfo', 'success');
    const released = claimsFor(owner, scopes);
    if (client.userinfoSignedResponseAlg === undefined) return jsonNoStore(200, released);
    return signedUserinfo(ctx, released, client.clientId, client.userinfoSignedResponseAlg);
  } catch (error) {
    ctx.metrics.outcome('userinfo', (error as { code?: string }).code ?? 'server_error');
    return renderHttpError(error, ctx.logger);
  }
}
