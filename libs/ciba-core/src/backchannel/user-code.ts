import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt parameters (RFC 7914 §2): N = 2^14, r = 8, p = 1, 32-byte key, 16-byte salt.
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
const MAX_MEMORY = 64 * 1024 * 1024;
/** Longer inputs are refused before hashing. */
export const MAX_USER_CODE_LENGTH = 256;

function derive(code: string, salt: Buffer, options: ScryptOptions, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(code.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/**
 * Hash a CIBA user_code (§7.1.2) for storage: `scrypt$N$r$p$salt$hash` (base64url).
 * The code itself is never stored.
 * @example const hash = await hashUserCode('4711'); await verifyUserCode('4711', hash); // true
 */
export async function hashUserCode(code: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(code, salt, { N, r: R, p: P, maxmem: MAX_MEMORY }, KEY_LENGTH);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Check a presented user_code against a stored hash in constant time. Malformed hashes never match. */
export async function verifyUserCode(code: string, hash: string): Promise<boolean> {
  if (code.length === 0 || code.length > MAX_USER_CODE_LENGTH) return false;
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64url');
  const expected = Buffer.from(parts[5], 'base64url');
  if (![n, r, p].every(Number.isSafeInteger) || n > 1 << 20 || r > 32 || p > 16 || expected.length < 16) return false;
  const key = await derive(code, salt, { N: n, r, p, maxmem: MAX_MEMORY }, expected.length);
  return timingSafeEqual(key, expected);
}
