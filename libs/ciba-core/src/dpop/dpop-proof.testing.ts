import { SignJWT, exportJWK, generateKeyPair, calculateJwkThumbprint, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { sha256Base64url } from '../tokens/token-hashes';

/** A client-side DPoP key that makes proofs (RFC 9449 §4.2), for specs. */
export interface DpopTestKey {
  jwk: JWK;
  jkt: string;
  proof(
    claims: { htm: string; htu: string; iat?: number; jti?: string; accessToken?: string; ath?: string },
    header?: Record<string, unknown>,
  ): Promise<string>;
}

export async function dpopTestKey(alg: 'ES256' | 'PS256' | 'RS256' | 'EdDSA' = 'ES256'): Promise<DpopTestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = await exportJWK(publicKey);
  const jkt = await calculateJwkThumbprint(jwk, 'sha256');
  return {
    jwk,
    jkt,
    proof: (claims, header = {}) =>
      new SignJWT({
        htm: claims.htm,
        htu: claims.htu,
        iat: claims.iat ?? Math.floor(Date.now() / 1000),
        jti: claims.jti ?? randomUUID(),
        ...(claims.accessToken ? { ath: sha256Base64url(claims.accessToken) } : {}),
        ...(claims.ath ? { ath: claims.ath } : {}),
      })
        .setProtectedHeader({ alg, typ: 'dpop+jwt', jwk, ...header })
        .sign(privateKey as CryptoKey),
  };
}
