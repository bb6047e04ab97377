import type { ProviderContext } from '../../context';
import type { AuthRequest } from '../../domain/auth-request';
import { isGrantOfActiveOwner } from '../../domain/owner';
import { AccessDeniedGrant } from '../../errors/oauth-error';

/**
 * The owner who approved the consumed request must still be active, and must have approved
 * it after their last disable (see disableOwner): a request approved and then overtaken by
 * the owner's disable yields no tokens. `access_denied` (CIBA §11), as for the pending
 * requests the disable denied; the client is not told why.
 */
export async function checkOwnerActive(ctx: ProviderContext, consumed: AuthRequest, now: number): Promise<void> {
  const owner = await ctx.stores.owners.find(consumed.sub);
  if (!isGrantOfActiveOwner(owner, consumed.authTime ?? now)) throw new AccessDeniedGrant('the request was denied');
}
