import { InvalidRequest } from '../errors/oauth-error';
import { stringParam, type AuthenticationParams } from './authentication-params';

/** The one hint identifying the end-user (CIBA §7.1). */
export type Hint =
  | { kind: 'login_hint'; value: string }
  | { kind: 'login_hint_token'; value: string }
  | { kind: 'id_token_hint'; value: string };

/** CIBA §7.1: exactly one of login_hint_token, id_token_hint, login_hint; otherwise invalid_request. */
export function checkHints(params: AuthenticationParams): Hint {
  const found: Hint[] = [];
  for (const kind of ['login_hint', 'login_hint_token', 'id_token_hint'] as const) {
    const value = stringParam(params, kind);
    if (value !== undefined) found.push({ kind, value });
  }
  if (found.length !== 1) {
    throw new InvalidRequest('exactly one of login_hint, login_hint_token and id_token_hint is required');
  }
  return found[0];
}
