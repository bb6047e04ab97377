import type { ProviderContext } from '../context';
import { REFRESH_TOKEN_GRANT_TYPE } from '../domain/client';
import { isGrantOfActiveOwner } from '../domain/owner';
import type { RefreshTokenRecord } from '../domain/tokens';
import { InvalidDpopProof, InvalidGrant, InvalidRequest, InvalidScope } from '../errors/oauth-error';
import { issueTokens, type TokenResponse } from '../tokens/issue-tokens';
import { sha256Base64url } from '../tokens/token-hashes';
import type { GrantInput, TokenGrant } from './token-grant';

/**
 * Refresh-token reuse (a rotated token presented again) means it leaked: revoke the
 * whole family, refresh tokens and the access tokens issued from it (OAuth 2.0
 * Security BCP, RFC 9700 §4.14.2).
 */
async function revokeFamily(ctx: ProviderContext, record: RefreshTokenRecord): Promise<void> {
  // Access tokens of the family live at most accessTokenTtl from now.
  const until = ctx.clock.now() + ctx.settings.accessTokenTtl * 1000;
  await Promise.all([
    ctx.stores.refreshTokens.revokeFamily(record.familyId),
    ctx.stores.revocations.revokeFamily(record.familyId, until),
  ]);
  ctx.logger.warn('refresh token reuse: grant family revoked', {
    clientId: record.clientId,
    familyId: record.familyId,
  });
}

/** RFC 6749 §6: the requested scope may only narrow the original grant. */
function narrowedScope(form: Map<string, string>, granted: string): string {
  const requested = form.get('scope');
  if (requested === undefined) return granted;
  const allowed = new Set(granted.split(' '));
  const asked = requested.split(' ').filter(Boolean);
  if (asked.length === 0 || asked.some((s) => !allowed.has(s))) {
    throw new InvalidScope('scope may only narrow the original grant');
  }
  return [...new Set(asked)].join(' ');
}

/**
 * The refresh-token grant (RFC 6749 §6) with rotation: every use marks the
 * presented token used and issues a new one in the same family, keeping the
 * original scope, absolute expiry and auth_time (a new ID token is issued,
 * OIDC Core §12.2). Reuse revokes the family. A token of a revoked family, of a
 * disabled owner or of a grant approved before the owner's last disable is refused.
 */
export const refreshTokenGrant: TokenGrant = {
  grantType: REFRESH_TOKEN_GRANT_TYPE,
  async handle(ctx: ProviderContext, { client, form, jkt }: GrantInput): Promise<TokenResponse> {
    const token = form.get('refresh_token');
    if (!token) throw new InvalidRequest('refresh_token is required');
    const now = ctx.clock.now();
    const record = await ctx.stores.refreshTokens.find(sha256Base64url(token));
    // RFC 6749 §10.4: refresh tokens are bound to the client they were issued to.
    if (!record || record.clientId !== client.clientId) throw new InvalidGrant('refresh token is invalid');
    if (record.revoked) throw new InvalidGrant('refresh token is invalid');
    const [owner, familyRevoked] = await Promise.all([
      ctx.stores.owners.find(record.sub),
      // Revoked as a whole (e.g. its auth_req_id was replayed) while one of its tokens was being saved.
      ctx.stores.revocations.isFamilyRevoked(record.familyId),
    ]);
    // A grant of a disabled owner, or approved before their last disable, is dead (RFC 6749 §5.2: revoked).
    if (familyRevoked || !isGrantOfActiveOwner(owner, record.authTime)) {
      throw new InvalidGrant('refresh token is invalid');
    }
    if (record.usedAt !== undefined) {
      await revokeFamily(ctx, record);
      throw new InvalidGrant('refresh token is invalid');
    }
    if (record.expiresAt <= now) throw new InvalidGrant('refresh token has expired');
    // RFC 9449 §5: a DPoP-bound refresh token needs a proof made with the same key.
    if (record.jkt !== undefined) {
      if (jkt === undefined) throw new InvalidDpopProof('this refresh token is DPoP-bound: a DPoP proof is required');
      if (jkt !== record.jkt) throw new InvalidGrant('refresh token is bound to another DPoP key');
    }
    const scope = narrowedScope(form, record.scope);
    // Rotation: exactly one use wins; a lost race is reuse.
    if (!(await ctx.stores.refreshTokens.markUsed(record.tokenHash, now))) {
      await revokeFamily(ctx, record);
      throw new InvalidGrant('refresh token is invalid');
    }
    const tokens = await issueTokens(ctx, {
      client,
      sub: record.sub,
      scope,
      authTime: record.authTime,
      acr: record.acr,
      amr: record.amr,
      authorizationDetails: record.authorizationDetails,
      jkt: jkt ?? record.jkt,
      familyId: record.familyId,
      refreshTokenScope: record.scope,
      refreshTokenExpiresAt: record.expiresAt,
    });
    await ctx.stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'tokens.refreshed',
      clientId: client.clientId,
      sub: record.sub,
      data: { familyId: record.familyId, dpop: jkt !== undefined },
    });
    return tokens;
  },
};
