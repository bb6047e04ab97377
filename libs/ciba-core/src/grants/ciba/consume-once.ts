import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';
import { InvalidGrant } from '../../errors/oauth-error';

/**
 * CIBA §7.3: an auth_req_id yields tokens once. Compare-and-set approved → consumed,
 * recording the grant family (`grantId`) the tokens will carry; a concurrent request that
 * lost the race gets `invalid_grant`.
 */
export async function consumeOnce(
  ctx: ProviderContext,
  request: AuthRequest,
  now: number,
  grantId: string,
): Promise<AuthRequest> {
  const consumed = await ctx.stores.authRequests.transition(request.id, 'approved', {
    status: 'consumed',
    consumedAt: now,
    grantId,
  });
  if (!consumed) throw new InvalidGrant('auth_req_id was already used');
  return consumed;
}
