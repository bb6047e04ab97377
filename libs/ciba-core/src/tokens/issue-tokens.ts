import type { ProviderContext } from '../context';
import { REFRESH_TOKEN_GRANT_TYPE, type Client } from '../domain/client';
import type { RefreshTokenRecord } from '../domain/tokens';
import { accessTokenSigningAlg, idTokenSigningAlg } from '../keys/signing-algs';
import { leftHalfSha256, sha256Base64url } from './token-hashes';

/** The access-token claim that names the grant family (shared by every rotation of one grant). */
export const GRANT_ID_CLAIM = 'grant_id';
/** CIBA §10.3.1 ID token claims. */
export const AUTH_REQ_ID_CLAIM = 'urn:openid:params:jwt:claim:auth_req_id';
export const RT_HASH_CLAIM = 'urn:openid:params:jwt:claim:rt_hash';
/** RFC 9068 §2.1 */
export const ACCESS_TOKEN_TYP = 'at+jwt';

export interface IssueTokensInput {
  client: Client;
  sub: string;
  /** Space-separated scope granted (the access token's scope). */
  scope: string;
  /** When the owner authenticated (approved), epoch ms. Carried unchanged through refreshes. */
  authTime: number;
  acr?: string;
  amr?: string[];
  /** RFC 9396 authorization details granted. */
  authorizationDetails?: unknown[];
  /** RFC 9449: thumbprint of the DPoP key the tokens are bound to. */
  jkt?: string;
  /** CIBA: the auth_req_id the tokens answer (put in the ID token, CIBA §10.3.1). */
  authReqId?: string;
  /** Grant family; a new one is started when absent. */
  familyId?: string;
  /** Refresh grant only: the rotated refresh token keeps the grant's original scope (RFC 6749 §6). */
  refreshTokenScope?: string;
  /** Refresh grant only: the rotated refresh token keeps the grant's absolute expiry. */
  refreshTokenExpiresAt?: number;
}

/** The token response body (RFC 6749 §5.1, OIDC Core §3.1.3.3, CIBA §10.1.1, §10.3.1 push body fields). */
export interface TokenResponse {
  access_token: string;
  token_type: 'DPoP' | 'Bearer';
  expires_in: number;
  id_token: string;
  refresh_token?: string;
  scope: string;
  /**
   * Onboard extension: the approval receipt (docs/receipts.md), for clients registered with
   * `onboard_approval_receipts` whose request the owner approved with a passkey.
   */
  approval_receipt?: string;
}

/**
 * Whether a refresh token is issued. One rule: the client registered the
 * `refresh_token` grant type (RFC 7591 §2 `grant_types`). `offline_access`
 * (OIDC Core §11) is not required: it is tied to `prompt=consent`, which CIBA
 * has no equivalent of, and the owner's approval on the authentication device is
 * the consent.
 */
export function issuesRefreshToken(client: Client): boolean {
  return client.grantTypes.includes(REFRESH_TOKEN_GRANT_TYPE);
}

/**
 * Issue an access token (JWT, RFC 9068), an ID token (OIDC Core §2, CIBA §10.1.1 /
 * §10.3.1) and, per {@link issuesRefreshToken}, an opaque refresh token stored only
 * as its sha-256 hash. Used by the token endpoint grants and by push delivery.
 * Each JWT is signed once; the refresh token costs one store write.
 *
 * The access token's `aud` is the issuer: this provider is its only resource
 * server (userinfo). Resource indicators (RFC 8707) are not supported.
 *
 * @example
 * const body = await issueTokens(ctx, { client, sub, scope: 'openid', authTime, authReqId });
 */
export async function issueTokens(ctx: ProviderContext, input: IssueTokensInput): Promise<TokenResponse> {
  const { settings } = ctx;
  const now = ctx.clock.now();
  const iat = Math.floor(now / 1000);
  const authTime = Math.floor(input.authTime / 1000);
  const familyId = input.familyId ?? ctx.random.uuid();
  const refreshToken = issuesRefreshToken(input.client) ? ctx.random.token(32) : undefined;
  // The store write overlaps with signing; awaited (and its failure surfaced) below.
  const saving = refreshToken ? saveRefreshToken(ctx, input, refreshToken, familyId, now) : Promise.resolve();
  saving.catch(() => undefined);

  // RFC 9068 §2.2
  const accessClaims: Record<string, unknown> = {
    iss: settings.issuer,
    sub: input.sub,
    aud: settings.issuer,
    client_id: input.client.clientId,
    scope: input.scope,
    jti: ctx.random.token(16),
    iat,
    exp: iat + settings.accessTokenTtl,
    auth_time: authTime,
    [GRANT_ID_CLAIM]: familyId,
  };
  if (input.acr) accessClaims.acr = input.acr;
  if (input.jkt) accessClaims.cnf = { jkt: input.jkt }; // RFC 9449 §6.1
  if (input.authorizationDetails?.length) accessClaims.authorization_details = input.authorizationDetails; // RFC 9396 §9.1
  const accessToken = await ctx.keys.sign(accessClaims, {
    alg: accessTokenSigningAlg(settings, input.client),
    typ: ACCESS_TOKEN_TYP,
  });

  // OIDC Core §2; CIBA §10.1.1 (poll/ping) and §10.3.1 (push: at_hash, rt_hash, auth_req_id required).
  // The hash claims are included in every mode, which CIBA allows.
  const idClaims: Record<string, unknown> = {
    iss: settings.issuer,
    sub: input.sub,
    aud: input.client.clientId,
    iat,
    exp: iat + settings.idTokenTtl,
    auth_time: authTime,
    at_hash: leftHalfSha256(accessToken),
  };
  if (input.acr) idClaims.acr = input.acr;
  if (input.amr?.length) idClaims.amr = input.amr;
  if (refreshToken) idClaims[RT_HASH_CLAIM] = leftHalfSha256(refreshToken);
  if (input.authReqId) idClaims[AUTH_REQ_ID_CLAIM] = input.authReqId;

  // OIDC Registration §2: the client's id_token_signed_response_alg, RS256 by default.
  const idToken = await ctx.keys.sign(idClaims, { alg: idTokenSigningAlg(settings, input.client) });
  await saving;

  const response: TokenResponse = {
    access_token: accessToken,
    token_type: input.jkt ? 'DPoP' : 'Bearer', // RFC 9449 §5
    expires_in: settings.accessTokenTtl,
    id_token: idToken,
    scope: input.scope,
  };
  if (refreshToken) response.refresh_token = refreshToken;
  return response;
}

function saveRefreshToken(
  ctx: ProviderContext,
  input: IssueTokensInput,
  token: string,
  familyId: string,
  now: number,
): Promise<void> {
  const record: RefreshTokenRecord = {
    tokenHash: sha256Base64url(token),
    familyId,
    clientId: input.client.clientId,
    sub: input.sub,
    scope: input.refreshTokenScope ?? input.scope,
    authTime: input.authTime,
    acr: input.acr,
    amr: input.amr,
    authorizationDetails: input.authorizationDetails,
    jkt: input.jkt, // RFC 9449 §5: a refresh token issued with DPoP is bound to the same key
    createdAt: now,
    expiresAt: input.refreshTokenExpiresAt ?? now + ctx.settings.refreshTokenTtl * 1000,
    revoked: false,
  };
  return ctx.stores.refreshTokens.save(record);
}
