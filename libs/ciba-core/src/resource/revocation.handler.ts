import { authenticateClient } from '../client-auth/authenticate-client';
import type { ProviderContext } from '../context';
import { InvalidRequest } from '../errors/oauth-error';
import { parseForm } from '../http/parse-body';
import { NO_STORE, renderHttpError } from '../http/render-http';
import { PATHS } from '../paths';
import type { WireRequest, WireResponse } from '../wire/wire';
import { lookupToken } from './lookup-token';

/**
 * Token revocation (RFC 7009), for authenticated clients.
 * - A refresh token revokes its whole grant family: every refresh token of the
 *   family and the access tokens issued from it (RFC 7009 §2.1 allows revoking
 *   the related tokens).
 * - An access token is revoked by `jti` until it would have expired.
 * - Unknown, invalid or expired tokens get 200 as well (RFC 7009 §2.2).
 * - `token_type_hint` is ignored (RFC 7009 §2.1: the server may ignore it and search
 *   all token types); so `unsupported_token_type` is never returned for a hint
 *   (RFC 7009 §2.2.1). The token's shape already tells its type.
 * - A token issued to another client is refused with `invalid_request`, not
 *   revoked (RFC 7009 §2.1: the server validates that the token was issued to the
 *   requesting client and refuses the request otherwise).
 * Never throws.
 *
 * @example
 * const res = await handleRevocation(ctx, req); // 200, empty body
 */
export async function handleRevocation(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    const form = parseForm(req);
    const client = await authenticateClient(ctx, req, form, PATHS.revocation);
    const token = form.get('token');
    if (!token) throw new InvalidRequest('token is required');
    const found = await lookupToken(ctx, token);
    if (found?.kind === 'refresh_token') {
      if (found.record.clientId !== client.clientId)
        throw new InvalidRequest('the token was not issued to this client');
      const until = ctx.clock.now() + ctx.settings.accessTokenTtl * 1000;
      await Promise.all([
        ctx.stores.refreshTokens.revokeFamily(found.record.familyId),
        ctx.stores.revocations.revokeFamily(found.record.familyId, until),
      ]);
    } else if (found?.kind === 'access_token') {
      if (found.claims.client_id !== client.clientId)
        throw new InvalidRequest('the token was not issued to this client');
      await ctx.stores.revocations.revoke(String(found.claims.jti), (found.claims.exp ?? 0) * 1000);
    }
    ctx.metrics.outcome('revocation', found ? 'revoked' : 'unknown');
    return { status: 200, headers: { ...NO_STORE } };
  } catch (error) {
    ctx.metrics.outcome('revocation', (error as { code?: string }).code ?? 'server_error');
    return renderHttpError(error, ctx.logger);
  }
}
