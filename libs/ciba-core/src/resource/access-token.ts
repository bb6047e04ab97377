import type { JWTPayload } from 'jose';
import type { ProviderContext } from '../context';
import { isGrantOfActiveOwner, type Owner } from '../domain/owner';
import type { Client } from '../domain/client';
import { DPOP_SIGNING_ALGS, readDpopHeader, verifyDpopProof } from '../dpop/verify-dpop-proof';
import {
  InvalidDpopProof,
  InvalidDpopProofAtResource,
  InvalidRequest,
  InvalidToken,
  OAuthError,
} from '../errors/oauth-error';
import { ACCESS_TOKEN_TYP, GRANT_ID_CLAIM } from '../tokens/issue-tokens';
import type { WireRequest } from '../wire/wire';

export type TokenScheme = 'Bearer' | 'DPoP';

/** A verified access token presented at a protected resource. */
export interface PresentedAccessToken {
  token: string;
  scheme: TokenScheme;
  claims: JWTPayload & { scope?: string; client_id?: string; cnf?: { jkt?: string }; auth_time?: number };
  /** The owner the token was issued for: enabled, and the grant approved after their last disable. */
  owner: Owner;
  /** The (active) client the token was issued to. */
  client: Client;
}

/** RFC 6750 §3 / RFC 9449 §7.1: the challenge a 401 or 403 from a resource carries. */
export function resourceChallenge(scheme: TokenScheme, error?: string): string {
  if (scheme === 'DPoP') return `DPoP ${error ? `error="${error}", ` : ''}algs="${DPOP_SIGNING_ALGS.join(' ')}"`;
  return `Bearer realm="onboard"${error ? `, error="${error}"` : ''}`;
}

function withChallenge<E extends OAuthError>(error: E, scheme: TokenScheme): E {
  error.headers = { ...error.headers, 'www-authenticate': resourceChallenge(scheme, error.code) };
  return error;
}

/**
 * The access token of a resource request: the Authorization header with the
 * Bearer (RFC 6750 §2.1) or DPoP (RFC 9449 §7.1) scheme, or the `access_token`
 * form field of a POST (RFC 6750 §2.2). Using more than one method is refused.
 */
function readAccessToken(req: WireRequest, form?: Map<string, string>): { token: string; scheme: TokenScheme } {
  const authorization = req.headers.authorization;
  const fromForm = form?.get('access_token');
  if (authorization !== undefined && fromForm !== undefined) {
    throw withChallenge(new InvalidRequest('use only one method to send the access token'), 'Bearer');
  }
  if (fromForm !== undefined) return { token: fromForm, scheme: 'Bearer' };
  const match = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization ?? '');
  if (!match) {
    // RFC 6750 §3.1: no error code when the request carried no authentication.
    const error = new InvalidToken('an access token is required');
    error.headers = { 'www-authenticate': `${resourceChallenge('Bearer')}, ${resourceChallenge('DPoP')}` };
    throw error;
  }
  return { token: match[2], scheme: match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer' };
}

/**
 * Authenticate the access token of a request to one of our protected resources
 * (`path`, e.g. PATHS.userinfo): a JWT we issued (RFC 9068, typ at+jwt, aud = issuer),
 * not expired, not revoked by jti or by grant family, of a client that is not disabled,
 * for an owner who is enabled and approved the grant after their last disable;
 * a DPoP-bound token (cnf.jkt)
 * only with the DPoP scheme and a proof by the same key carrying `ath`
 * (RFC 9449 §7.1). Failures are 401 with a `WWW-Authenticate` challenge.
 */
export async function authenticateAccessToken(
  ctx: ProviderContext,
  req: WireRequest,
  path: string,
  form?: Map<string, string>,
): Promise<PresentedAccessToken> {
  const { token, scheme } = readAccessToken(req, form);
  let claims: PresentedAccessToken['claims'];
  try {
    ({ payload: claims } = await ctx.keys.verify(token, { typ: ACCESS_TOKEN_TYP, audience: ctx.settings.issuer }));
  } catch {
    throw withChallenge(new InvalidToken('the access token is invalid or expired'), scheme);
  }
  const jkt = claims.cnf?.jkt;
  // RFC 9449 §7.1: a DPoP-bound token must not be accepted as a bearer token, and the DPoP scheme needs a bound token.
  if (jkt !== undefined && scheme !== 'DPoP') {
    throw withChallenge(new InvalidToken('this access token is DPoP-bound: use the DPoP scheme'), 'DPoP');
  }
  if (jkt === undefined && scheme === 'DPoP') {
    throw withChallenge(new InvalidToken('this access token is not DPoP-bound'), 'Bearer');
  }
  const grantId = claims[GRANT_ID_CLAIM];
  const [revoked, familyRevoked, client, owner, proofJkt] = await Promise.all([
    typeof claims.jti === 'string' ? ctx.stores.revocations.isRevoked(claims.jti) : true,
    typeof grantId === 'string' ? ctx.stores.revocations.isFamilyRevoked(grantId) : false,
    findActiveClient(ctx, claims.client_id),
    activeOwnerOf(ctx, claims),
    jkt !== undefined ? verifyResourceProof(ctx, req, path, token) : undefined,
  ]);
  if (revoked || familyRevoked) throw withChallenge(new InvalidToken('the access token was revoked'), scheme);
  if (!client || !owner) throw withChallenge(new InvalidToken('the access token was revoked'), scheme);
  if (jkt !== undefined && proofJkt !== jkt) {
    throw withChallenge(new InvalidToken('the DPoP proof was not made with the key the token is bound to'), 'DPoP');
  }
  return { token, scheme, claims, owner, client };
}

/**
 * The owner of an access token if its grant is still theirs to use: the owner is enabled
 * and approved it (`auth_time`) after their last disable (see disableOwner); else
 * undefined. One primary-key read.
 */
export async function activeOwnerOf(
  ctx: ProviderContext,
  claims: Pick<PresentedAccessToken['claims'], 'sub' | 'auth_time'>,
): Promise<Owner | undefined> {
  if (typeof claims.sub !== 'string' || typeof claims.auth_time !== 'number') return undefined;
  const owner = await ctx.stores.owners.find(claims.sub);
  return isGrantOfActiveOwner(owner, claims.auth_time * 1000) ? owner : undefined;
}

/**
 * Tokens of a disabled (or deleted) client are inactive at once (issue 3: disabling a
 * device stops its tokens). One primary-key read.
 */
export async function isClientActive(ctx: ProviderContext, clientId: unknown): Promise<boolean> {
  return (await findActiveClient(ctx, clientId)) !== undefined;
}

/** The client of `clientId` unless it is unknown or disabled (the same one read as {@link isClientActive}). */
async function findActiveClient(ctx: ProviderContext, clientId: unknown): Promise<Client | undefined> {
  if (typeof clientId !== 'string') return undefined;
  const client = await ctx.stores.clients.find(clientId);
  return client !== undefined && !client.disabled ? client : undefined;
}

/** RFC 9449 §7.1: proof checks at a resource; an invalid proof is a 401 with a DPoP challenge. */
async function verifyResourceProof(
  ctx: ProviderContext,
  req: WireRequest,
  path: string,
  token: string,
): Promise<string> {
  try {
    const proof = readDpopHeader(req);
    if (proof === undefined) throw new InvalidDpopProof('a DPoP proof is required');
    return await verifyDpopProof(ctx, proof, {
      htm: req.method.toUpperCase(),
      htu: ctx.settings.issuer + path,
      accessToken: token,
    });
  } catch (error) {
    if (error instanceof InvalidDpopProof) throw withChallenge(new InvalidDpopProofAtResource(error.message), 'DPoP');
    throw error;
  }
}
