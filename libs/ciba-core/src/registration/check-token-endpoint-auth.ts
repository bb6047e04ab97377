import type { TokenEndpointAuthMethod } from '../domain/client';
import { InvalidClientMetadata } from '../errors/oauth-error';
import { FAPI_JWS_ALGS, isAsymmetricAlg } from '../client-auth/algorithms';
import { optionalString, type RawMetadata } from './metadata-values';

const METHODS: readonly TokenEndpointAuthMethod[] = ['private_key_jwt', 'client_secret_basic', 'client_secret_post'];

/**
 * `token_endpoint_auth_method` (RFC 7591 §2; default client_secret_basic, private_key_jwt
 * under FAPI) and `token_endpoint_auth_signing_alg` (asymmetric, private_key_jwt only).
 * FAPI-CIBA: private_key_jwt only (FAPI 1.0 Advanced §5.2.2-14), PS256/ES256 (§8.6).
 */
export function checkTokenEndpointAuth(
  raw: RawMetadata,
  fapi: boolean,
): { method: TokenEndpointAuthMethod; signingAlg?: string } {
  const given = optionalString(raw, 'token_endpoint_auth_method');
  const method = (given ?? (fapi ? 'private_key_jwt' : 'client_secret_basic')) as TokenEndpointAuthMethod;
  if (!METHODS.includes(method)) {
    throw new InvalidClientMetadata(`token_endpoint_auth_method must be one of ${METHODS.join(', ')}`);
  }
  if (fapi && method !== 'private_key_jwt')
    throw new InvalidClientMetadata('FAPI-CIBA clients must use private_key_jwt');
  const signingAlg = optionalString(raw, 'token_endpoint_auth_signing_alg');
  if (signingAlg !== undefined) {
    if (method !== 'private_key_jwt') {
      throw new InvalidClientMetadata('token_endpoint_auth_signing_alg applies to private_key_jwt only');
    }
    if (!isAsymmetricAlg(signingAlg))
      throw new InvalidClientMetadata('token_endpoint_auth_signing_alg must be asymmetric');
    if (fapi && !FAPI_JWS_ALGS.includes(signingAlg)) {
      throw new InvalidClientMetadata('FAPI-CIBA allows only PS256 or ES256');
    }
  }
  return { method, signingAlg };
}
