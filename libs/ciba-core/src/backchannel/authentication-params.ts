import { InvalidRequest } from '../errors/oauth-error';

/**
 * The authentication request parameters of CIBA §7.1 (plus RFC 9396 `authorization_details`).
 * In a signed request they travel only inside the request object (CIBA §7.1.1);
 * client authentication parameters stay outside.
 */
export const AUTHENTICATION_PARAMETERS = [
  'scope',
  'client_notification_token',
  'acr_values',
  'login_hint_token',
  'id_token_hint',
  'login_hint',
  'binding_message',
  'user_code',
  'requested_expiry',
  'authorization_details',
  'request_context',
  // RFC 9449 §10 applied to CIBA (Onboard): the DPoP key the tokens are bound to.
  'dpop_jkt',
] as const;

/**
 * The authentication parameters of one request: the form itself for an unsigned
 * request, the request object's claims for a signed one (whose values may be
 * JSON numbers, arrays or objects, not only strings).
 */
export type AuthenticationParams = ReadonlyMap<string, unknown>;

/** A string parameter; a non-string value (possible inside a request object) is invalid_request. Empty = absent. */
export function stringParam(params: AuthenticationParams, name: string): string | undefined {
  const value = params.get(name);
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InvalidRequest(`${name} must be a string`);
  return value;
}
