import { importJWK, type JWK } from 'jose';

/** The two public keys a head-unit registers (docs/protocol.md; issue 3 "Identities and keys"). */
export interface DeviceKeys {
  /** ES256 (P-256) signing key: connect credential, request objects, client assertions, DPoP. */
  sig: JWK;
  /** X25519 key the provider encrypts token responses to (ECDH-ES+A256KW). */
  enc: JWK;
}

/** JWK members that only a private key has (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/**
 * Checks a device's JWK Set: exactly one signing key (`use: sig`, EC P-256, `alg` ES256 if given)
 * and one encryption key (`use: enc`, OKP X25519, `alg` ECDH-ES+A256KW if given), public
 * members only, and both importable. Returns the keys, or a problem description that is safe to
 * show (it never echoes key material).
 *
 * @example
 * const checked = await checkDeviceJwks({ keys: [sigJwk, encJwk] });
 * if (typeof checked === 'string') throw new Error(checked);
 */
export async function checkDeviceJwks(jwks: unknown): Promise<DeviceKeys | string> {
  const keys = (jwks as { keys?: unknown } | null | undefined)?.keys;
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray(keys)) return 'jwks must be {"keys": [...]}';
  if (keys.length !== 2) return 'jwks must hold exactly two keys: one use "sig" and one use "enc"';
  if (!keys.every((k): k is JWK => typeof k === 'object' && k !== null && !Array.isArray(k)))
    return 'jwks keys must be JWK objects';
  if (keys.some((k) => PRIVATE_MEMBERS.some((m) => m in k))) return 'jwks must not contain private key material';
  const sig = keys.filter((k) => k.use === 'sig');
  const enc = keys.filter((k) => k.use === 'enc');
  if (sig.length !== 1 || enc.length !== 1) return 'jwks must hold one key with use "sig" and one with use "enc"';
  const [s, e] = [sig[0], enc[0]];
  if (s.kty !== 'EC' || s.crv !== 'P-256' || (s.alg !== undefined && s.alg !== 'ES256'))
    return 'the "sig" key must be an EC P-256 key for ES256';
  if (e.kty !== 'OKP' || e.crv !== 'X25519' || (e.alg !== undefined && e.alg !== 'ECDH-ES+A256KW'))
    return 'the "enc" key must be an OKP X25519 key for ECDH-ES+A256KW';
  try {
    await importJWK(s, 'ES256');
    await importJWK(e, 'ECDH-ES+A256KW');
  } catch {
    return 'jwks contains a malformed key';
  }
  return { sig: s, enc: e };
}

/** Same public keys (order and extra members like `kid` included), compared structurally. */
export function sameKeys(a: readonly JWK[], b: readonly JWK[]): boolean {
  return JSON.stringify(a.map(canonical)) === JSON.stringify(b.map(canonical));
}

function canonical(jwk: JWK): Array<[string, unknown]> {
  return Object.entries(jwk).sort(([x], [y]) => (x < y ? -1 : 1));
}
