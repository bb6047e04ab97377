import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { InvalidUserCode, MissingUserCode } from '../errors/oauth-error';
import { untilIso, userCodeClientLimiter, userCodeOwnerLimiter } from '../limits/limits';
import type { LimitState } from '@onboard/platform';
import { stringParam, type AuthenticationParams } from './authentication-params';
import type { BackchannelPolicy } from './backchannel-policy';
import { MAX_USER_CODE_LENGTH } from './user-code';

/** invalid_user_code (CIBA §13) for a locked code, saying until when, with Retry-After. */
function locked(ctx: ProviderContext, description: string, state: LimitState): InvalidUserCode {
  const error = new InvalidUserCode(`${description} until ${untilIso(ctx, state.retryAfterMs)}`);
  error.headers['retry-after'] = String(Math.max(1, Math.ceil(state.retryAfterMs / 1000)));
  return error;
}

const OWNER_LOCKED = 'the user code of this user is locked after too many wrong attempts';
const CLIENT_LOCKED = 'user codes from this client are refused after too many wrong attempts';

/**
 * `user_code` (CIBA §7.1.2): only for clients registered with
 * backchannel_user_code_parameter = true (ignored otherwise). Absent → missing_user_code;
 * not matching the owner's code → invalid_user_code (CIBA §13).
 *
 * Guessing is limited (README, "Limits"): every attempt is counted for the owner and for
 * the client before the code is checked (so concurrent guesses cannot outrun the count),
 * and given back when it was right. After `userCodeMaxFailures` wrong codes the owner's
 * code is locked for `userCodeLockSeconds`; after `userCodeClientMaxFailures` the client's
 * user codes are refused as long. A locked code is refused even when right, with an
 * error_description saying until when. A right code for an owner no device could approve
 * for is answered as a wrong one (and counted), so the answer is no oracle for the code.
 */
export async function checkUserCode(
  ctx: ProviderContext,
  client: Client,
  owner: Owner,
  params: AuthenticationParams,
  policy: BackchannelPolicy,
): Promise<void> {
  if (!client.backchannelUserCodeParameter) return;
  const userCode = stringParam(params, 'user_code');
  if (userCode === undefined) throw new MissingUserCode('user_code is required');

  const byClient = userCodeClientLimiter(ctx);
  const byOwner = userCodeOwnerLimiter(ctx);
  const clientState = await byClient.consume(client.clientId);
  if (!clientState.allowed) {
    ctx.metrics.limit?.('user_code_client', 'refused');
    throw locked(ctx, CLIENT_LOCKED, clientState);
  }
  const ownerState = await byOwner.consume(owner.sub);
  if (!ownerState.allowed) {
    ctx.metrics.limit?.('user_code_owner', 'refused');
    throw locked(ctx, OWNER_LOCKED, ownerState);
  }

  const matches =
    userCode.length <= MAX_USER_CODE_LENGTH && (await policy.verifyUserCode(ctx, userCode, owner, client));
  if (matches && (await hasApprovingDevice(ctx, owner))) {
    await byOwner.reset(owner.sub);
    await byClient.refund(client.clientId);
    return;
  }
  ctx.metrics.limit?.('user_code_owner', 'failure');
  // This wrong code used the last attempt: lock now, and say so in this answer already.
  if (ownerState.remaining === 0) {
    ctx.metrics.limit?.('user_code_owner', 'locked');
    throw locked(ctx, `user_code is not valid; ${OWNER_LOCKED}`, await byOwner.block(owner.sub));
  }
  if (clientState.remaining === 0) {
    ctx.metrics.limit?.('user_code_client', 'locked');
    throw locked(ctx, `user_code is not valid; ${CLIENT_LOCKED}`, await byClient.block(client.clientId));
  }
  throw new InvalidUserCode('user_code is not valid');
}

/** Whether any enabled device of the owner could approve a request (the default access policy's test). */
async function hasApprovingDevice(ctx: ProviderContext, owner: Owner): Promise<boolean> {
  return (await ctx.stores.owners.listDevices(owner.sub)).some((device) => !device.disabled);
}
