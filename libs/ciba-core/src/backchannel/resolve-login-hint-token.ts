import { decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';
import type { ProviderContext } from '../context';
import type { Owner } from '../domain/owner';
import { ExpiredLoginHintToken, InvalidRequest } from '../errors/oauth-error';
import { ASYMMETRIC_JWS_ALGS } from '../client-auth/algorithms';
import { localKeyResolver, remoteKeyResolver, type KeyResolver } from '../client-auth/client-keys';

const CLOCK_TOLERANCE = 30;

function issuerKeys(ctx: ProviderContext, issuer: string): KeyResolver {
  const trusted = ctx.settings.loginHintTokenIssuers.find((entry) => entry.issuer === issuer);
  if (!trusted) throw new InvalidRequest('login_hint_token is not from a trusted issuer');
  if (trusted.jwks) return localKeyResolver(`login_hint_token:${issuer}`, trusted.jwks as never);
  if (trusted.jwksUri) return remoteKeyResolver(ctx, trusted.jwksUri);
  throw new InvalidRequest('login_hint_token issuer has no keys configured');
}

/** The identifier the token names: `sub`, or an RFC 9493 `sub_id`, or `email` / `phone_number`. */
async function findSubject(ctx: ProviderContext, payload: JWTPayload): Promise<Owner | undefined> {
  if (typeof payload.sub === 'string') return ctx.stores.owners.find(payload.sub);
  const subId = payload.sub_id as Record<string, unknown> | undefined;
  if (subId && typeof subId === 'object') {
    if (subId.format === 'email' && typeof subId.email === 'string') return ctx.stores.owners.findByHint(subId.email);
    if (subId.format === 'phone_number' && typeof subId.phone_number === 'string') {
      return ctx.stores.owners.findByHint(subId.phone_number);
    }
    if (subId.format === 'opaque' && typeof subId.id === 'string') return ctx.stores.owners.find(subId.id);
    return undefined;
  }
  if (typeof payload.email === 'string') return ctx.stores.owners.findByHint(payload.email);
  if (typeof payload.phone_number === 'string') return ctx.stores.owners.findByHint(payload.phone_number);
  return undefined;
}

/**
 * `login_hint_token` (CIBA §7.1): a JWT from one of settings.loginHintTokenIssuers,
 * verified with that issuer's keys (asymmetric algs only, `exp` required).
 * Expired → expired_login_hint_token (CIBA §13); untrusted issuer, bad signature or
 * malformed token → invalid_request; returns undefined when the subject is unknown.
 */
export async function resolveLoginHintToken(ctx: ProviderContext, token: string): Promise<Owner | undefined> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch {
    throw new InvalidRequest('login_hint_token is not a JWT');
  }
  if (typeof issuer !== 'string') throw new InvalidRequest('login_hint_token has no issuer');
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(token, issuerKeys(ctx, issuer), {
      algorithms: [...ASYMMETRIC_JWS_ALGS],
      issuer,
      requiredClaims: ['exp'],
      currentDate: new Date(ctx.clock.now()),
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) throw new ExpiredLoginHintToken('login_hint_token has expired');
    if (err instanceof InvalidRequest) throw err;
    throw new InvalidRequest('login_hint_token could not be verified');
  }
  return findSubject(ctx, payload);
}
