import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import type { BackchannelPolicy, RequestToAuthorize } from './backchannel-policy';

/**
 * The provider's own decision on a valid request (CIBA §13 access_denied, 403): the
 * deployment's access policy sees the owner, the client and the checked parameters before
 * anything is stored or shown to the owner.
 */
export async function authorizeRequest(
  ctx: ProviderContext,
  client: Client,
  owner: Owner,
  request: RequestToAuthorize,
  policy: BackchannelPolicy,
): Promise<void> {
  await policy.authorizeRequest(ctx, owner, client, request);
}
