import { stringParam, type AuthenticationParams } from './authentication-params';

/**
 * `acr_values` (CIBA §7.1): space-separated, in order of preference. Kept as
 * requested; the authentication device decides which one it achieves and the
 * ID Token reports it as `acr`. Unsupported values are not an error (OIDC Core §3.1.2.1:
 * a voluntary claim).
 */
export function checkAcrValues(params: AuthenticationParams): string[] | undefined {
  const raw = stringParam(params, 'acr_values');
  if (raw === undefined) return undefined;
  const values = [...new Set(raw.split(' ').filter((v) => v !== ''))];
  return values.length > 0 ? values : undefined;
}
