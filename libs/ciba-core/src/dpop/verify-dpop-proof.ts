import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type { ProviderContext } from '../context';
import { InvalidDpopProof } from '../errors/oauth-error';
import type { WireRequest } from '../wire/wire';
import { sha256Base64url } from '../tokens/token-hashes';

/** Asymmetric algorithms accepted for DPoP proofs (RFC 9449 §4.3 check 5: no `none`, no MAC). */
export const DPOP_SIGNING_ALGS = ['ES256', 'PS256', 'RS256', 'EdDSA'] as const;
/** Default acceptance window around `iat` (RFC 9449 §4.3 check 11, §11.1). */
export const DPOP_DEFAULT_SKEW_SECONDS = 60;
/** A proof is a small JWT; anything much larger is not one. */
const MAX_PROOF_LENGTH = 8 * 1024;
const MAX_JTI_LENGTH = 256;
/** RFC 7517 §9.2 / RFC 7518 §6: members that only a private (or symmetric) key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export interface DpopProofCheck {
  /** The HTTP method of the request (RFC 9449 §4.3 check 8). */
  htm: string;
  /** The endpoint URL: issuer + path (RFC 9449 §4.3 check 9). */
  htu: string;
  /** At a protected resource: the access token the proof must be bound to via `ath` (RFC 9449 §4.3 check 12). */
  accessToken?: string;
  /** Acceptance window for `iat`, seconds (default 60). */
  skewSeconds?: number;
}

/**
 * The single `DPoP` request header, or undefined when absent. More than one
 * DPoP header (joined with ', ' by the adapter) is refused (RFC 9449 §4.3 check 1).
 */
export function readDpopHeader(req: WireRequest): string | undefined {
  const value = req.headers['dpop'];
  if (value === undefined) return undefined;
  if (value.includes(',')) throw new InvalidDpopProof('more than one DPoP header');
  return value.trim();
}

/** URL without query and fragment, normalised by WHATWG URL parsing (RFC 9449 §4.3 check 9). */
function comparableUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

/**
 * Verify a DPoP proof JWT (RFC 9449 §4.3) and return the RFC 7638 thumbprint
 * (`jkt`) of the key it was signed with. Throws InvalidDpopProof (400) on any
 * failure; resource endpoints re-render it as 401 (RFC 9449 §7.1).
 * The proof's `jti` is recorded in the replay store, scoped to the key, until the
 * proof could no longer be accepted.
 *
 * @example
 * const jkt = await verifyDpopProof(ctx, proof, { htm: 'POST', htu: ctx.settings.issuer + PATHS.token });
 */
export async function verifyDpopProof(ctx: ProviderContext, proof: string, check: DpopProofCheck): Promise<string> {
  const skew = check.skewSeconds ?? DPOP_DEFAULT_SKEW_SECONDS;
  if (proof.length > MAX_PROOF_LENGTH) throw new InvalidDpopProof('DPoP proof is too large');

  // RFC 9449 §4.3 checks 2-4: one well-formed JWT with typ dpop+jwt, an allowed asymmetric alg, a public jwk.
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw new InvalidDpopProof('DPoP proof is not a well-formed JWT');
  }
  if (header.typ !== 'dpop+jwt') throw new InvalidDpopProof('DPoP proof typ must be dpop+jwt');
  if (!(DPOP_SIGNING_ALGS as readonly string[]).includes(String(header.alg))) {
    throw new InvalidDpopProof('DPoP proof alg is not supported');
  }
  const jwk = header.jwk as JWK | undefined;
  if (!jwk || typeof jwk !== 'object') throw new InvalidDpopProof('DPoP proof has no jwk header');
  if (PRIVATE_MEMBERS.some((m) => m in jwk)) throw new InvalidDpopProof('DPoP proof jwk must be a public key');

  // RFC 9449 §4.3 check 6: the signature verifies with the embedded key.
  const now = ctx.clock.now();
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(proof, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: [...DPOP_SIGNING_ALGS],
      currentDate: new Date(now),
      clockTolerance: skew,
    }));
  } catch {
    throw new InvalidDpopProof('DPoP proof signature or claims are invalid');
  }

  // RFC 9449 §4.2 / §4.3 check 7: required claims.
  const { jti, htm, htu, iat, ath } = payload as Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw new InvalidDpopProof('DPoP proof jti is missing or invalid');
  }
  if (typeof htm !== 'string' || htm !== check.htm) throw new InvalidDpopProof('DPoP proof htm does not match');
  if (typeof htu !== 'string') throw new InvalidDpopProof('DPoP proof htu is missing');
  const expectedUrl = comparableUrl(check.htu);
  if (expectedUrl === undefined || comparableUrl(htu) !== expectedUrl) {
    throw new InvalidDpopProof('DPoP proof htu does not match');
  }
  // RFC 9449 §4.3 check 11 (§11.1): iat within the acceptance window.
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now / 1000 - iat) > skew) {
    throw new InvalidDpopProof('DPoP proof iat is outside the acceptable window');
  }
  // RFC 9449 §4.3 check 12: at a protected resource, ath binds the proof to the access token.
  if (check.accessToken !== undefined) {
    if (typeof ath !== 'string') throw new InvalidDpopProof('DPoP proof ath is missing');
    if (ath !== sha256Base64url(check.accessToken)) throw new InvalidDpopProof('DPoP proof ath does not match');
  }

  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  // RFC 9449 §11.1: refuse a replayed proof while it would still be accepted.
  const fresh = await ctx.stores.replay.consume(`dpop:${jkt}:${jti}`, (iat + skew) * 1000 + 1000);
  if (!fresh) throw new InvalidDpopProof('DPoP proof was already used');
  return jkt;
}
