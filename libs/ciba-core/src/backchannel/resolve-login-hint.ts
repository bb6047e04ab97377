import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import type { BackchannelPolicy } from './backchannel-policy';

/** `login_hint` (CIBA §7.1) through the deployment policy; undefined when no owner matches. */
export function resolveLoginHint(
  ctx: ProviderContext,
  client: Client,
  loginHint: string,
  policy: BackchannelPolicy,
): Promise<Owner | undefined> {
  return policy.resolveLoginHint(ctx, loginHint, client);
}
