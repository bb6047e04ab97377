import type { JSONWebKeySet, JWTPayload, JWTVerifyResult } from 'jose';
import type { SigningAlg } from '../domain/tokens';

/**
 * The provider's own signing keys (one each for RS256, ES256 and PS256), persisted
 * through SigningKeyStore with their private parts wrapped (KeyWrapper) and rotatable:
 * retired keys stay published until every token they signed has expired. Implemented
 * in keys/key-ring.ts.
 */
export interface KeyRing {
  /** Sign a JWT with the active key of `alg` (default ES256). `typ` e.g. 'at+jwt'. */
  sign(payload: JWTPayload, options?: { alg?: SigningAlg; typ?: string }): Promise<string>;
  /** Verify a JWT this provider signed (any published key). Throws jose errors. */
  verify(jwt: string, options?: { typ?: string; currentDate?: Date; audience?: string }): Promise<JWTVerifyResult>;
  /** The public JWKS (active + retired-not-yet-expired keys). */
  jwks(): Promise<JSONWebKeySet>;
  /** Make a new key of each alg active (RSA and EC alike); old ones retire. Returns the new kids. */
  rotate(): Promise<string[]>;
  /** Reload from the store (another process may have rotated). */
  reload(): Promise<void>;
}
