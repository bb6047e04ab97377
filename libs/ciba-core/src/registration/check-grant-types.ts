import { CIBA_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../domain/client';
import { InvalidClientMetadata } from '../errors/oauth-error';
import type { ProviderSettings } from '../settings';
import { optionalString, optionalStringArray, type RawMetadata } from './metadata-values';

const ALLOWED = [CIBA_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE];

/**
 * `grant_types` (RFC 7591 §2, CIBA §4): default [CIBA]; only CIBA and refresh_token,
 * and CIBA must be among them (this OP has no other way to obtain tokens).
 * `scope`: space-separated values this OP supports.
 */
export function checkGrantTypesAndScope(
  raw: RawMetadata,
  settings: ProviderSettings,
): { grantTypes: string[]; scope?: string } {
  const grantTypes = [...new Set(optionalStringArray(raw, 'grant_types') ?? [CIBA_GRANT_TYPE])];
  for (const grant of grantTypes) {
    if (!ALLOWED.includes(grant))
      throw new InvalidClientMetadata(`grant type '${grant.slice(0, 64)}' is not supported`);
  }
  if (!grantTypes.includes(CIBA_GRANT_TYPE))
    throw new InvalidClientMetadata(`grant_types must include ${CIBA_GRANT_TYPE}`);
  const scope = optionalString(raw, 'scope');
  if (scope !== undefined) {
    for (const value of scope.split(' ').filter((v) => v !== '')) {
      if (!settings.scopesSupported.includes(value)) {
        throw new InvalidClientMetadata(`scope '${value.slice(0, 64)}' is not supported`);
      }
    }
  }
  return { grantTypes, scope };
}
