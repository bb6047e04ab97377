import type { ProviderContext } from '../context';
import { InvalidAuthorizationDetails } from '../errors/oauth-error';
import type { AuthenticationParams } from './authentication-params';

/** Bound on the number of entries (defence against oversized requests). */
const MAX_ENTRIES = 32;

/**
 * `authorization_details` (RFC 9396 §2, usable with CIBA per §3): a JSON array of
 * objects, each with a string `type`; when the deployment configures
 * `authorizationDetailsTypesSupported`, every type must be one of them (RFC 9396 §5).
 * In a form it is a JSON string; inside a request object it may also be the array itself.
 * Any violation → invalid_authorization_details.
 */
export function checkAuthorizationDetails(ctx: ProviderContext, params: AuthenticationParams): unknown[] | undefined {
  const raw = params.get('authorization_details');
  if (raw === undefined || raw === null || raw === '') return undefined;
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new InvalidAuthorizationDetails('authorization_details is not valid JSON');
    }
  }
  if (!Array.isArray(value)) throw new InvalidAuthorizationDetails('authorization_details must be a JSON array');
  if (value.length === 0 || value.length > MAX_ENTRIES) {
    throw new InvalidAuthorizationDetails(`authorization_details must hold 1 to ${MAX_ENTRIES} objects`);
  }
  const supported = ctx.settings.authorizationDetailsTypesSupported;
  for (const entry of value) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new InvalidAuthorizationDetails('each authorization_details entry must be a JSON object');
    }
    const type = (entry as { type?: unknown }).type;
    if (typeof type !== 'string' || type === '') {
      throw new InvalidAuthorizationDetails('each authorization_details entry needs a string type');
    }
    if (supported && !supported.includes(type)) {
      throw new InvalidAuthorizationDetails(`authorization_details type '${type.slice(0, 64)}' is not supported`);
    }
  }
  return value;
}
