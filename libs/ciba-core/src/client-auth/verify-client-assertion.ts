import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { PATHS } from '../paths';
import { ASYMMETRIC_JWS_ALGS, FAPI_JWS_ALGS, isFapiClient } from './algorithms';
import { clientKeyResolver } from './client-keys';
import { invalidClient } from './read-client-credentials';

/** Allowed clock skew for client assertions, seconds. */
const CLOCK_TOLERANCE = 30;
/** An assertion may not be valid for longer than this from now (seconds): short-lived, RFC 7523 §3 item 4. */
export const MAX_ASSERTION_LIFETIME = 600;

function allowedAlgorithms(ctx: ProviderContext, client: Client): string[] {
  const base = isFapiClient(ctx.settings, client) ? FAPI_JWS_ALGS : ASYMMETRIC_JWS_ALGS;
  const registered = client.tokenEndpointAuthSigningAlg;
  return registered ? base.filter((alg) => alg === registered) : [...base];
}

/**
 * private_key_jwt (OIDC Core §9, RFC 7523 §3): verifies the client assertion and
 * returns the authenticated client. `iss` = `sub` = client_id; `aud` may be the issuer,
 * this endpoint's URL or the token endpoint's URL; `exp` and `jti` are required, the
 * lifetime is bounded and a `jti` is accepted once. Every failure is invalid_client.
 */
export async function verifyClientAssertion(
  ctx: ProviderContext,
  assertion: string,
  formClientId: string | undefined,
  endpointPath: string,
): Promise<Client> {
  let unverified: JWTPayload;
  try {
    unverified = decodeJwt(assertion);
  } catch {
    throw invalidClient('client_assertion is not a valid JWT');
  }
  const clientId = unverified.sub;
  if (typeof clientId !== 'string' || clientId === '' || unverified.iss !== clientId) {
    throw invalidClient('client_assertion iss and sub must both be the client_id');
  }
  if (formClientId !== undefined && formClientId !== clientId) {
    throw invalidClient('client_id does not match the client_assertion');
  }
  const client = await ctx.stores.clients.find(clientId);
  if (!client || client.disabled) throw invalidClient('client authentication failed');
  if (client.tokenEndpointAuthMethod !== 'private_key_jwt') {
    throw invalidClient('the client is not registered for private_key_jwt');
  }
  const now = ctx.clock.now();
  const issuer = ctx.settings.issuer;
  let payload: JWTPayload;
  try {
    const keys = clientKeyResolver(ctx, client);
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: allowedAlgorithms(ctx, client),
      issuer: clientId,
      subject: clientId,
      audience: [issuer, issuer + endpointPath, issuer + PATHS.token],
      requiredClaims: ['exp', 'jti'],
      currentDate: new Date(now),
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch {
    // Details (which key, which claim) are not echoed to the caller.
    throw invalidClient('client_assertion could not be verified');
  }
  const exp = payload.exp as number;
  if (exp - now / 1000 > MAX_ASSERTION_LIFETIME + CLOCK_TOLERANCE) {
    throw invalidClient('client_assertion expires too far in the future');
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') throw invalidClient('client_assertion jti is required');
  const fresh = await ctx.stores.replay.consume(
    `client_assertion:${clientId}:${payload.jti}`,
    (exp + CLOCK_TOLERANCE) * 1000,
  );
  if (!fresh) throw invalidClient('client_assertion was already used');
  return client;
}
