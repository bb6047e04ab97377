import { authenticateClient } from '../client-auth/authenticate-client';
import type { ProviderContext } from '../context';
import { isGrantOfActiveOwner } from '../domain/owner';
import { InvalidRequest } from '../errors/oauth-error';
import { parseForm } from '../http/parse-body';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import { PATHS } from '../paths';
import { GRANT_ID_CLAIM } from '../tokens/issue-tokens';
import type { WireRequest, WireResponse } from '../wire/wire';
import { activeOwnerOf, isClientActive } from './access-token';
import { lookupToken, type FoundToken } from './lookup-token';

const INACTIVE = { active: false } as const;

/** RFC 7662 §2.2 response for an access token, or inactive. */
async function describeAccessToken(
  ctx: ProviderContext,
  claims: Extract<FoundToken, { kind: 'access_token' }>['claims'],
) {
  const grantId = claims[GRANT_ID_CLAIM];
  const [revoked, familyRevoked, clientActive, owner] = await Promise.all([
    ctx.stores.revocations.isRevoked(String(claims.jti)),
    typeof grantId === 'string' ? ctx.stores.revocations.isFamilyRevoked(grantId) : false,
    // Tokens of a disabled client are inactive (the client may be disabled while this request runs).
    isClientActive(ctx, claims.client_id),
    // So are those of a disabled owner, and of grants approved before the owner's last disable.
    activeOwnerOf(ctx, claims),
  ]);
  if (revoked || familyRevoked || !clientActive || !owner) return INACTIVE;
  const body: Record<string, unknown> = {
    active: true,
    scope: claims.scope,
    client_id: claims.client_id,
    sub: claims.sub,
    iss: claims.iss,
    aud: claims.aud,
    jti: claims.jti,
    iat: claims.iat,
    exp: claims.exp,
    auth_time: claims.auth_time,
    token_type: claims.cnf?.jkt ? 'DPoP' : 'Bearer',
  };
  if (claims.acr !== undefined) body.acr = claims.acr;
  if (claims.cnf?.jkt) body.cnf = { jkt: claims.cnf.jkt }; // RFC 9449 §6.2
  if (claims.authorization_details !== undefined) body.authorization_details = claims.authorization_details; // RFC 9396 §9.2
  return body;
}

/**
 * RFC 7662 §2.2 response for a refresh token: active while unused, unrevoked (itself or its
 * family), unexpired, and its owner enabled since before they approved the grant.
 */
async function describeRefreshToken(
  ctx: ProviderContext,
  record: Extract<FoundToken, { kind: 'refresh_token' }>['record'],
) {
  if (record.revoked || record.usedAt !== undefined || record.expiresAt <= ctx.clock.now()) return INACTIVE;
  const [owner, familyRevoked] = await Promise.all([
    ctx.stores.owners.find(record.sub),
    ctx.stores.revocations.isFamilyRevoked(record.familyId),
  ]);
  if (familyRevoked || !isGrantOfActiveOwner(owner, record.authTime)) return INACTIVE;
  const body: Record<string, unknown> = {
    active: true,
    scope: record.scope,
    client_id: record.clientId,
    sub: record.sub,
    iss: ctx.settings.issuer,
    iat: Math.floor(record.createdAt / 1000),
    exp: Math.floor(record.expiresAt / 1000),
    token_type: 'refresh_token',
  };
  if (record.jkt) body.cnf = { jkt: record.jkt };
  return body;
}

/**
 * Token introspection (RFC 7662), for authenticated clients. Access and refresh
 * tokens are described; anything unknown, invalid, expired, revoked, or issued to
 * another client is `{"active": false}` (RFC 7662 §2.2: a client learns only about
 * its own tokens). Never throws.
 *
 * @example
 * const res = await handleIntrospection(ctx, req); // body: { active: true, scope, client_id, ... }
 */
export async function handleIntrospection(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    const form = parseForm(req);
    const client = await authenticateClient(ctx, req, form, PATHS.introspection);
    const token = form.get('token');
    if (!token) throw new InvalidRequest('token is required');
    const found = await lookupToken(ctx, token);
    let body: Record<string, unknown> = INACTIVE;
    if (found?.kind === 'access_token' && found.claims.client_id === client.clientId) {
      body = await describeAccessToken(ctx, found.claims);
    } else if (found?.kind === 'refresh_token' && found.record.clientId === client.clientId) {
      body = await describeRefreshToken(ctx, found.record);
    }
    ctx.metrics.outcome('introspection', body.active ? 'active' : 'inactive');
    return jsonNoStore(200, body);
  } catch (error) {
    ctx.metrics.outcome('introspection', (error as { code?: string }).code ?? 'server_error');
    return renderHttpError(error, ctx.logger);
  }
}
