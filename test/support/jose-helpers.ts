import { randomUUID, createHash } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** An asymmetric key pair with its public JWK (kid set). */
export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** Generate a key pair for `alg` (ES256 default) with kid = RFC 7638 thumbprint. */
export async function generateTestKey(alg = 'ES256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { alg, kid, privateKey, publicKey, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Sign arbitrary claims with `key` (header: alg, kid, plus `header`). */
export function signJwt(key: TestKey, claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, ...header }).sign(key.privateKey);
}

/**
 * A private_key_jwt client assertion (RFC 7523 §3, OIDC Core §9).
 * `overrides` replace claims (set a claim to undefined to drop it).
 */
export function clientAssertion(
  key: TestKey,
  clientId: string,
  audience: string,
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds();
  const claims: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: audience,
    jti: randomUUID(),
    iat: now,
    exp: now + 60,
    ...overrides,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return signJwt(key, claims as JWTPayload, header);
}

/**
 * A signed authentication request object (CIBA §7.1.1) with aud, iss, exp, iat,
 * nbf and jti set sensibly; `overrides` replace claims (undefined drops one).
 */
export function requestObject(
  key: TestKey,
  clientId: string,
  issuer: string,
  params: Record<string, unknown>,
  overrides: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = nowSeconds();
  const claims: Record<string, unknown> = {
    iss: clientId,
    aud: issuer,
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: randomUUID(),
    ...params,
    ...overrides,
  };
  for (const k of Object.keys(claims)) if (claims[k] === undefined) delete claims[k];
  return signJwt(key, claims as JWTPayload, header);
}

/** base64url(sha-256(value)) — the `ath` of a DPoP proof (RFC 9449 §4.2). */
export const sha256b64u = (value: string) => createHash('sha256').update(value).digest('base64url');

/**
 * OIDC Core §3.1.3.6 hash: left-most half of the hash of the ASCII value, base64url.
 * (SHA-256 for ES256/PS256/RS256, SHA-384 for *384, SHA-512 for *512.)
 */
export function halfHash(value: string, alg: string): string {
  const bits = alg.endsWith('384') ? 384 : alg.endsWith('512') ? 512 : 256;
  const digest = createHash(`sha${bits}`).update(value).digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/** A DPoP proof JWT (RFC 9449 §4.2). */
export async function dpopProof(
  key: TestKey,
  htm: string,
  htu: string,
  extra: { ath?: string; nonce?: string; iat?: number; jti?: string; typ?: string; jwk?: JWK; alg?: string } = {},
): Promise<string> {
  const claims: Record<string, unknown> = {
    htm,
    htu,
    iat: extra.iat ?? nowSeconds(),
    jti: extra.jti ?? randomUUID(),
  };
  if (extra.ath !== undefined) claims.ath = extra.ath;
  if (extra.nonce !== undefined) claims.nonce = extra.nonce;
  const { kid: _kid, alg: _alg, use: _use, ...jwk } = key.publicJwk;
  return new SignJWT(claims as JWTPayload)
    .setProtectedHeader({ alg: extra.alg ?? key.alg, typ: extra.typ ?? 'dpop+jwt', jwk: extra.jwk ?? jwk })
    .sign(key.privateKey);
}

/** The RFC 7638 thumbprint of a key's public JWK (the `jkt` DPoP binds to). */
export function thumbprint(key: TestKey): Promise<string> {
  const { kid: _kid, alg: _alg, use: _use, ...jwk } = key.publicJwk;
  return calculateJwkThumbprint(jwk);
}

const b64u = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** An unsigned JWT (`alg: none`). */
export function unsignedJwt(claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  return `${b64u({ alg: 'none', ...header })}.${b64u(claims)}.`;
}

/** A JWT whose signature was made by `key` but whose payload was changed afterwards. */
export function tamper(jwt: string, claims: Record<string, unknown>): string {
  const [h, p, s] = jwt.split('.');
  const payload = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), ...claims };
  void h;
  return `${jwt.split('.')[0]}.${b64u(payload)}.${s}`;
}

/** An HS256 JWT signed with a made-up secret (symmetric algs are refused). */
export async function hs256Jwt(claims: JWTPayload, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', ...header })
    .sign(new TextEncoder().encode('not-a-real-secret-but-32-bytes-long!!'));
}

/** Decode a JWT without verifying it. */
export function decodeParts(jwt: string): { header: any; payload: any } {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}
