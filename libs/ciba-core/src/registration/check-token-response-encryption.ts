import type { JSONWebKeySet } from 'jose';
import { InvalidClientMetadata } from '../errors/oauth-error';
import {
  DEFAULT_TOKEN_RESPONSE_ENCRYPTION_ENC,
  selectEncryptionJwk,
  TOKEN_RESPONSE_ENCRYPTION_ALGS,
  TOKEN_RESPONSE_ENCRYPTION_ENCS,
} from '../tokens/encrypt-token-response';
import { optionalString, type RawMetadata } from './metadata-values';

/**
 * Onboard extension metadata `token_response_encryption_alg` / `_enc` (named after OIDC
 * Registration's `*_encrypted_response_alg/enc` pairs): alg one of ECDH-ES+A256KW,
 * ECDH-ES; enc A256GCM (default) or A128GCM; an enc needs an alg (as OIDC Registration
 * §2 requires of its pairs). The client must register an encryption key: inline `jwks`
 * must hold a `use: enc` X25519 or P-256 key; a `jwks_uri` is checked when used.
 */
export function checkTokenResponseEncryption(
  raw: RawMetadata,
  keys: { jwks?: JSONWebKeySet; jwksUri?: string },
): { alg?: string; enc?: string } {
  const alg = optionalString(raw, 'token_response_encryption_alg');
  const enc = optionalString(raw, 'token_response_encryption_enc');
  if (alg === undefined) {
    if (enc !== undefined) {
      throw new InvalidClientMetadata('token_response_encryption_enc requires token_response_encryption_alg');
    }
    return {};
  }
  if (!(TOKEN_RESPONSE_ENCRYPTION_ALGS as readonly string[]).includes(alg)) {
    throw new InvalidClientMetadata(
      `token_response_encryption_alg must be one of ${TOKEN_RESPONSE_ENCRYPTION_ALGS.join(', ')}`,
    );
  }
  if (enc !== undefined && !(TOKEN_RESPONSE_ENCRYPTION_ENCS as readonly string[]).includes(enc)) {
    throw new InvalidClientMetadata(
      `token_response_encryption_enc must be one of ${TOKEN_RESPONSE_ENCRYPTION_ENCS.join(', ')}`,
    );
  }
  if (keys.jwks === undefined && keys.jwksUri === undefined) {
    throw new InvalidClientMetadata('token response encryption needs a use=enc key in jwks or jwks_uri');
  }
  if (keys.jwks !== undefined && !selectEncryptionJwk(keys.jwks, alg)) {
    throw new InvalidClientMetadata(`jwks has no use=enc X25519 or P-256 key for ${alg}`);
  }
  return { alg, enc: enc ?? DEFAULT_TOKEN_RESPONSE_ENCRYPTION_ENC };
}
