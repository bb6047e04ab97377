import { InvalidRequest } from '../errors/oauth-error';
import { parseJsonBody } from '../http/parse-body';
import { ADMIN_CLIENT_FIELDS } from '../registration/register-client';
import type { WireRequest } from '../wire/wire';

/**
 * The fields each admin API body may hold, by endpoint: the one place that says what a
 * body is made of. A field not listed is refused rather than dropped (an `{"mail": …}`
 * would otherwise create an owner without an e-mail address). Formats are checked by the
 * admin functions, which name what they expected.
 */
export const ADMIN_BODY_FIELDS = {
  /** `POST /owners` */
  createOwner: ['sub', 'username', 'email', 'phone_number', 'name', 'user_code'],
  /** `PUT /owners/{sub}/user-code` */
  setUserCode: ['user_code'],
  /** `POST /owners/{sub}/devices` */
  createOwnerDevice: ['name'],
  /** `POST /clients`: the RFC 7591 / CIBA §4 metadata this provider reads, and `client_id`. */
  registerClient: ADMIN_CLIENT_FIELDS,
  /** The actions (`…/disable`, `…/enable`): no body, or an empty object. */
  none: [],
} as const satisfies Record<string, readonly string[]>;

export type AdminBody = keyof typeof ADMIN_BODY_FIELDS;

/**
 * The JSON object body of an admin request, with only the fields `body` declares
 * ({@link ADMIN_BODY_FIELDS}); an absent body is `{}` when `optional`. Unknown fields are
 * `invalid_request` naming each of them and the fields the endpoint takes.
 *
 * @example
 * const body = readAdminBody(req, 'createOwner'); // {"mail": "…"} → invalid_request: unknown field 'mail'
 */
export function readAdminBody(req: WireRequest, body: AdminBody, optional = false): Record<string, unknown> {
  const empty = !req.rawBody || req.rawBody.length === 0;
  if (empty && optional) return {};
  const value = parseJsonBody(req);
  const allowed: readonly string[] = ADMIN_BODY_FIELDS[body];
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    const names = unknown.map((key) => `'${key.slice(0, 64)}'`).join(', ');
    const takes = allowed.length === 0 ? 'this request takes no fields' : `this request takes ${allowed.join(', ')}`;
    throw new InvalidRequest(`unknown field${unknown.length > 1 ? 's' : ''} ${names}: ${takes}`);
  }
  return value;
}
