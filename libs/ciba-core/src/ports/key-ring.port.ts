import type { JSONWebKeySet, JWTPayload, JWTVerifyResult } from 'jose';

/**
 * The provider's own signing keys (ES256 default, PS256 too), persisted through
 * SigningKeyStore and rotatable: retired keys stay published until every token
 * they signed has expired. Implemented in keys/key-ring.ts.
 */
export interface KeyRing {
  /** Sign a JWT with the active key of `alg` (default ES256). `typ` e.g. 'at+jwt'. */
  sign(payload: JWTPayload, options?: { alg?: 'ES256' | 'PS256'; typ?: string }): Promise<string>;
  /** Verify a JWT this provider signed (any published key). Throws jose errors. */
  verify(jwt: string, options?: { typ?: string; currentDate?: Date; audience?: string }): Promise<JWTVerifyResult>;
  /** The public JWKS (active + retired-not-yet-expired keys). */
  jwks(): Promise<JSONWebKeySet>;
  /** Make a new key of each alg active; old ones retire. Returns the new kids. */
  rotate(): Promise<string[]>;
  /** Reload from the store (another process may have rotated). */
  reload(): Promise<void>;
}
