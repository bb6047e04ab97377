import type { JSONWebKeySet } from 'jose';
import { InvalidClientMetadata } from '../errors/oauth-error';
import type { ProviderSettings } from '../settings';
import { optionalString, outboundTargetProblem, urlProblem, type RawMetadata } from './metadata-values';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const REQUIRED_MEMBERS: Record<string, string[]> = { EC: ['crv', 'x', 'y'], RSA: ['n', 'e'], OKP: ['crv', 'x'] };
const MAX_KEYS = 20;

function checkJwks(value: unknown): JSONWebKeySet {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (typeof value !== 'object' || value === null || Array.isArray(value) || !Array.isArray(keys)) {
    throw new InvalidClientMetadata('jwks must be a JWK Set ({"keys": [...]})');
  }
  if (keys.length === 0 || keys.length > MAX_KEYS)
    throw new InvalidClientMetadata(`jwks must hold 1 to ${MAX_KEYS} keys`);
  for (const key of keys) {
    if (typeof key !== 'object' || key === null || Array.isArray(key))
      throw new InvalidClientMetadata('jwks keys must be JWKs');
    const jwk = key as Record<string, unknown>;
    const required = typeof jwk.kty === 'string' ? REQUIRED_MEMBERS[jwk.kty] : undefined;
    if (!required) throw new InvalidClientMetadata('jwks keys must be EC, RSA or OKP public keys');
    if (PRIVATE_MEMBERS.some((m) => m in jwk))
      throw new InvalidClientMetadata('jwks must not contain private key material');
    if (!required.every((m) => typeof jwk[m] === 'string'))
      throw new InvalidClientMetadata(`jwks ${jwk.kty} key is incomplete`);
  }
  return { keys: keys as JSONWebKeySet['keys'] };
}

/**
 * `jwks` / `jwks_uri` (RFC 7591 §2): at most one of them; public asymmetric keys only
 * (RFC 7591 §2: the client's public keys). `needed` when the client authenticates with
 * private_key_jwt or signs its requests.
 */
export function checkClientKeys(
  raw: RawMetadata,
  settings: ProviderSettings,
  needed: boolean,
): { jwks?: JSONWebKeySet; jwksUri?: string } {
  const jwksUri = optionalString(raw, 'jwks_uri');
  const hasJwks = raw.jwks !== undefined && raw.jwks !== null;
  if (jwksUri !== undefined && hasJwks) throw new InvalidClientMetadata('jwks and jwks_uri must not both be present');
  if (jwksUri !== undefined) {
    // The provider fetches it: no target inside the deployment's network (SSRF).
    const problem = outboundTargetProblem(jwksUri, settings) ?? urlProblem(jwksUri, settings);
    if (problem) throw new InvalidClientMetadata(`jwks_uri ${problem}`);
    return { jwksUri };
  }
  if (hasJwks) return { jwks: checkJwks(raw.jwks) };
  if (needed) throw new InvalidClientMetadata('jwks or jwks_uri is required for private_key_jwt and signed requests');
  return {};
}
