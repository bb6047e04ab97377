import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';

/**
 * RFC 6749 §4.1.2, applied to the auth_req_id: a redeemed auth_req_id presented again
 * (by the client it was issued to) means it may have leaked, so the tokens issued from it
 * are revoked: every refresh token of the grant family and, by family, its access tokens.
 * The family stays marked revoked for as long as a refresh token of it could live, so a
 * refresh token still being saved by the first redemption is refused too. The caller
 * answers `invalid_grant` either way. A request swept after its expiry is no longer found,
 * so nothing is revoked then.
 */
export async function revokeReplayedGrant(ctx: ProviderContext, request: AuthRequest): Promise<void> {
  if (request.status !== 'consumed' || request.grantId === undefined) return;
  const now = ctx.clock.now();
  const until = now + Math.max(ctx.settings.accessTokenTtl, ctx.settings.refreshTokenTtl) * 1000;
  await ctx.stores.transaction(async (stores) => {
    await stores.refreshTokens.revokeFamily(request.grantId!);
    await stores.revocations.revokeFamily(request.grantId!, until);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'tokens.revoked',
      clientId: request.clientId,
      sub: request.sub,
      authRequestId: request.id,
      data: { reason: 'auth_req_id_replayed', grantId: request.grantId },
    });
  });
  ctx.logger.warn('auth_req_id replayed: the tokens issued from it are revoked', {
    clientId: request.clientId,
    authRequestId: request.id,
  });
}
