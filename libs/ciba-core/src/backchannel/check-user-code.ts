import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner } from '../domain/owner';
import { InvalidUserCode, MissingUserCode } from '../errors/oauth-error';
import { stringParam, type AuthenticationParams } from './authentication-params';
import type { BackchannelPolicy } from './backchannel-policy';
import { MAX_USER_CODE_LENGTH } from './user-code';

/**
 * `user_code` (CIBA §7.1.2): only for clients registered with
 * backchannel_user_code_parameter = true (ignored otherwise). Absent → missing_user_code;
 * not matching the owner's code → invalid_user_code (CIBA §13).
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
  if (userCode.length > MAX_USER_CODE_LENGTH || !(await policy.verifyUserCode(ctx, userCode, owner, client))) {
    throw new InvalidUserCode('user_code is not valid');
  }
}
