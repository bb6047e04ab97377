import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { UnknownUserId } from '../errors/oauth-error';
import type { BackchannelPolicy } from './backchannel-policy';
import type { Hint } from './check-hints';
import { resolveIdTokenHint } from './resolve-id-token-hint';
import { resolveLoginHint } from './resolve-login-hint';
import { resolveLoginHintToken } from './resolve-login-hint-token';

/**
 * Map the hint to the end-user (CIBA §7.2 step 4). A hint naming no owner, or a
 * disabled one, is unknown_user_id (CIBA §13): the answer is the same for both, so a
 * client cannot tell a disabled account from a missing one.
 */
export async function resolveHint(
  ctx: ProviderContext,
  client: Client,
  hint: Hint,
  policy: BackchannelPolicy,
): Promise<Owner> {
  let owner: Owner | undefined;
  switch (hint.kind) {
    case 'login_hint':
      owner = await resolveLoginHint(ctx, client, hint.value, policy);
      break;
    case 'login_hint_token':
      owner = await resolveLoginHintToken(ctx, hint.value);
      break;
    case 'id_token_hint':
      owner = await resolveIdTokenHint(ctx, client, hint.value);
      break;
  }
  if (!owner || owner.disabled) throw new UnknownUserId('the hint does not identify a known user');
  return owner;
}
