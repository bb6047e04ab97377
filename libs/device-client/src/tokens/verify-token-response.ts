import { createHash } from 'node:crypto';
import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { DeviceClientError, describeCause, displayUrl } from '../errors';
import type { DeviceKeyStore } from '../keys/device-key-store';

/** The ID token claim carrying the CIBA auth request id (CIBA §10.3.1). */
export const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';
/** The ID token claim carrying the refresh token hash (CIBA §10.3.1). */
export const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';

/** Asymmetric JWS algorithms accepted for ID tokens by default; `none` and HMAC never are. */
export const DEFAULT_ID_TOKEN_ALGORITHMS = [
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'RS256',
  'RS384',
  'RS512',
  'EdDSA',
  'Ed25519',
];

/**
 * Tokens the device received, decrypted and verified: the ID token's signature and claims were
 * checked before this object existed.
 */
export interface VerifiedTokens {
  /** The access token (DPoP-bound to the device's signing key). */
  accessToken: string;
  /** `DPoP` for sender-constrained tokens (RFC 9449 §5), otherwise `Bearer`. */
  tokenType: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
  /** When the access token expires, milliseconds since the epoch (computed on receipt). */
  expiresAt: number;
  /** The refresh token, when the provider issued one. */
  refreshToken?: string;
  /** The verified ID token. */
  idToken: string;
  /** The verified ID token's claims (`sub` is the owner's subject). */
  claims: JWTPayload;
  /** The granted scope (space-separated), or the requested one when the provider did not echo it. */
  scope: string;
}

/** Tokens from a refresh: like {@link VerifiedTokens}, but the provider may omit a new ID token (OIDC Core §12.2). */
export type RefreshedTokens = Omit<VerifiedTokens, 'idToken' | 'claims'> & { idToken?: string; claims?: JWTPayload };

/** What the verification needs to know. */
export interface TokenVerificationContext {
  keys: DeviceKeyStore;
  jwks: JWTVerifyGetKey;
  /** Where `jwks` is fetched from (named in errors); undefined for a JWKS given in the options. */
  jwksUri?: string;
  issuer: string;
  /** The device id = the `aud` the ID token must carry. */
  clientId: string;
  algorithms: string[];
  now: number;
  clockToleranceSeconds: number;
  /** The scope to report when the token response has none. */
  requestedScope: string;
  requestId: string;
}

interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

/**
 * Opens a result of a verification request (CIBA §10.3.1): decrypts the JWE with the device's
 * encryption key, then verifies the ID token — signature against the provider's JWKS, `iss`, `aud`
 * = device id, `exp`, `urn:openid:params:jwt:claim:auth_req_id` = the acknowledged `auth_req_id`,
 * `at_hash` (required in push mode) and `urn:openid:params:jwt:claim:rt_hash` (required when a
 * refresh token is present). Resolves only when every check passed.
 * @throws DeviceClientError `invalid_token_response`, `invalid_id_token`, `provider_error`
 */
export async function openVerificationResult(
  encrypted: string,
  authReqId: string | undefined,
  ctx: TokenVerificationContext,
): Promise<VerifiedTokens> {
  const response = await decryptTokenResponse(encrypted, ctx);
  if (typeof response.id_token !== 'string') {
    throw new DeviceClientError('invalid_token_response', 'the token response has no id_token', {
      requestId: ctx.requestId,
    });
  }
  if (authReqId === undefined) {
    throw new DeviceClientError('invalid_id_token', 'no auth_req_id was acknowledged for this request', {
      requestId: ctx.requestId,
    });
  }
  const claims = await verifyIdToken(response, { ...ctx, authReqId, requireHashes: true });
  return { ...baseTokens(response, ctx), idToken: response.id_token, claims };
}

/**
 * Opens a refresh result (RFC 6749 §6): decrypts the JWE and, when a new ID token came with it,
 * verifies it like {@link openVerificationResult} does, except for `auth_req_id` (a refresh has
 * none) and with the hashes checked when present.
 */
export async function openRefreshResult(encrypted: string, ctx: TokenVerificationContext): Promise<RefreshedTokens> {
  const response = await decryptTokenResponse(encrypted, ctx);
  if (response.id_token === undefined) return baseTokens(response, ctx);
  const claims = await verifyIdToken(response, { ...ctx, requireHashes: false });
  return { ...baseTokens(response, ctx), idToken: response.id_token, claims };
}

async function decryptTokenResponse(encrypted: string, ctx: TokenVerificationContext): Promise<TokenResponse> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(await ctx.keys.decrypt(encrypted)));
  } catch (err) {
    if (err instanceof DeviceClientError) throw err;
    throw new DeviceClientError('invalid_token_response', 'the token response could not be decrypted', {
      cause: err,
      requestId: ctx.requestId,
    });
  }
  const r = parsed as Partial<TokenResponse> | null;
  const ok =
    typeof r === 'object' &&
    r !== null &&
    nonEmpty(r.access_token) &&
    nonEmpty(r.token_type) &&
    typeof r.expires_in === 'number' &&
    r.expires_in > 0 &&
    (r.refresh_token === undefined || nonEmpty(r.refresh_token)) &&
    (r.id_token === undefined || nonEmpty(r.id_token)) &&
    (r.scope === undefined || typeof r.scope === 'string');
  if (!ok) {
    throw new DeviceClientError('invalid_token_response', 'the token response is not a valid RFC 6749 §5.1 body', {
      requestId: ctx.requestId,
    });
  }
  return r as TokenResponse;
}

async function verifyIdToken(
  response: TokenResponse,
  ctx: TokenVerificationContext & { authReqId?: string; requireHashes: boolean },
): Promise<JWTPayload> {
  const idToken = response.id_token as string;
  let payload: JWTPayload;
  let alg: string;
  try {
    ({
      payload,
      protectedHeader: { alg },
    } = await jwtVerify(idToken, ctx.jwks, {
      issuer: ctx.issuer,
      audience: ctx.clientId,
      algorithms: ctx.algorithms,
      requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat'],
      currentDate: new Date(ctx.now),
      clockTolerance: ctx.clockToleranceSeconds,
    }));
  } catch (err) {
    throw jwtError(err, ctx.requestId, ctx.jwksUri);
  }
  const fail = (what: string) => new DeviceClientError('invalid_id_token', what, { requestId: ctx.requestId });
  // OIDC Core §2: with several audiences, azp must name this client
  if (Array.isArray(payload.aud) && payload.aud.length > 1 && payload.azp !== ctx.clientId) {
    throw fail('ID token azp does not name this device');
  }
  if (ctx.authReqId !== undefined && payload[AUTH_REQ_ID_CLAIM] !== ctx.authReqId) {
    throw fail('ID token auth_req_id claim does not match the acknowledged auth_req_id');
  }
  // OIDC Core §3.3.2.11 (at_hash); CIBA §10.3.1 (push: at_hash, and rt_hash with a refresh token)
  checkHash(payload.at_hash, response.access_token, alg, ctx.requireHashes, 'at_hash', fail);
  if (response.refresh_token !== undefined) {
    checkHash(payload[RT_HASH_CLAIM], response.refresh_token, alg, ctx.requireHashes, 'rt_hash', fail);
  }
  return payload;
}

function checkHash(
  claim: unknown,
  token: string,
  alg: string,
  required: boolean,
  name: string,
  fail: (what: string) => DeviceClientError,
): void {
  if (claim === undefined && !required) return;
  if (typeof claim !== 'string') throw fail(`ID token ${name} is missing`);
  if (claim !== tokenHash(token, alg)) throw fail(`ID token ${name} does not match the token`);
}

/**
 * The left-most half of the hash of the token's ASCII octets, base64url (OIDC Core §3.3.2.11); the
 * hash is the one of the ID token's JWS algorithm (SHA-512 for EdDSA with Ed25519).
 * @example tokenHash(accessToken, 'ES256') === claims.at_hash
 */
export function tokenHash(token: string, alg: string): string {
  const bits = /(256|384|512)$/.exec(alg)?.[1] ?? (alg === 'EdDSA' || alg === 'Ed25519' ? '512' : '256');
  const digest = createHash(`sha${bits}`).update(token, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

function baseTokens(r: TokenResponse, ctx: TokenVerificationContext): RefreshedTokens {
  return {
    accessToken: r.access_token,
    tokenType: r.token_type,
    expiresIn: r.expires_in,
    expiresAt: ctx.now + r.expires_in * 1000,
    ...(r.refresh_token !== undefined ? { refreshToken: r.refresh_token } : {}),
    scope: r.scope ?? ctx.requestedScope,
  };
}

function jwtError(err: unknown, requestId: string, jwksUri: string | undefined): DeviceClientError {
  // the JWKS could not be fetched or read: the provider's side, not a forged token
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid || !(err instanceof errors.JOSEError)) {
    const where = jwksUri === undefined ? '' : ` at ${displayUrl(jwksUri)}`;
    return new DeviceClientError(
      'provider_error',
      `the provider JWKS${where} could not be fetched: ${describeCause(err)}`,
      { cause: err, requestId },
    );
  }
  const detail = err instanceof errors.JWTClaimValidationFailed ? `claim ${err.claim}: ${err.reason}` : err.code;
  return new DeviceClientError('invalid_id_token', `ID token rejected (${detail})`, { cause: err, requestId });
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}
