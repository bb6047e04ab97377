import { hash, timingSafeEqual } from 'node:crypto';

/** sha-256 of a client secret, base64url: the only form in which secrets are stored. */
export function hashClientSecret(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

/**
 * Constant-time comparison of a presented secret with a stored hash. Both sides
 * are fixed-length digests, so timing reveals neither the secret nor its length.
 */
export function clientSecretMatches(presented: string, storedHash: string | undefined): boolean {
  const presentedHash = Buffer.from(hashClientSecret(presented), 'utf8');
  const expected = Buffer.from(storedHash ?? '', 'utf8');
  if (expected.length !== presentedHash.length) {
    // Keep the work the same whether or not a hash exists.
    timingSafeEqual(presentedHash, presentedHash);
    return false;
  }
  return timingSafeEqual(presentedHash, expected);
}
