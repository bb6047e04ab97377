import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { InvalidRequest, InvalidScope } from '../errors/oauth-error';
import { stringParam, type AuthenticationParams } from './authentication-params';

/**
 * `scope` (CIBA §7.1): REQUIRED and MUST contain `openid`. Values must be supported
 * by the OP and, when the client registered a `scope`, within it (RFC 6749 §3.3).
 * Missing → invalid_request; without openid or with unknown values → invalid_scope.
 * Returns the de-duplicated scope string, in request order.
 */
export function checkScope(ctx: ProviderContext, client: Client, params: AuthenticationParams): string {
  const scope = stringParam(params, 'scope');
  if (scope === undefined) throw new InvalidRequest('scope is required');
  const values = [...new Set(scope.split(' ').filter((v) => v !== ''))];
  if (!values.includes('openid')) throw new InvalidScope('scope must contain openid');
  const supported = ctx.settings.scopesSupported;
  const allowed = client.scope ? client.scope.split(' ') : undefined;
  for (const value of values) {
    if (value !== 'openid' && (!supported.includes(value) || (allowed && !allowed.includes(value)))) {
      throw new InvalidScope(`scope '${value.slice(0, 64)}' is not allowed`);
    }
  }
  return values.join(' ');
}
