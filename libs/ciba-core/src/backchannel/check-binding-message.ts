import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { stringParam, type AuthenticationParams } from './authentication-params';
import type { BackchannelPolicy } from './backchannel-policy';

/** `binding_message` (CIBA §7.1) through the deployment policy; invalid_binding_message (CIBA §13). */
export function checkBindingMessage(
  ctx: ProviderContext,
  client: Client,
  params: AuthenticationParams,
  policy: BackchannelPolicy,
): string | undefined {
  const bindingMessage = stringParam(params, 'binding_message');
  policy.validateBindingMessage(ctx, bindingMessage, client);
  return bindingMessage;
}
