import { hash } from 'node:crypto';

// One-shot `crypto.hash` rather than `createHash`: a Hash object is a native object whose
// release runs as a weak callback in the next young-generation collection; several per
// CIBA flow added about a millisecond to each collection at saturation
// (docs/decisions/0007-node-crypto-signing.md).

/** base64url(sha-256(value)): DPoP `ath` (RFC 9449 §4.2) and the hashes under which tokens are stored. */
export function sha256Base64url(value: string): string {
  return hash('sha256', value, 'base64url');
}

/**
 * The left-most half of the sha-256 hash of the ASCII value, base64url: `at_hash`
 * (OIDC Core §3.3.2.11) and `urn:openid:params:jwt:claim:rt_hash` (CIBA §10.3.1).
 * SHA-256 is the hash of every alg we sign ID tokens with (RS256, ES256, PS256).
 */
export function leftHalfSha256(value: string): string {
  const digest = hash('sha256', value, 'buffer');
  return digest.subarray(0, digest.length / 2).toString('base64url');
}
