import { hash } from 'node:crypto';
import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { InvalidRequest } from '../errors/oauth-error';
import { FAPI_JWS_ALGS, isAsymmetricAlg, isFapiClient } from '../client-auth/algorithms';
import { clientKeyResolver, KeySetUnavailable } from '../client-auth/client-keys';
import { AUTHENTICATION_PARAMETERS, type AuthenticationParams } from './authentication-params';

/** Allowed clock skew for request-object time claims, seconds. */
const CLOCK_TOLERANCE = 30;

export interface ProcessedRequest {
  params: AuthenticationParams;
  /**
   * sha-256 (base64url) of the signed request object (inside its encryption, if any), kept for
   * audit (FAPI-CIBA §5.2.2-6 rationale) and to recognise a repeat of the same request.
   */
  requestObjectHash?: string;
  /**
   * The request object's `jti` was used before: this is a repeat of a request object already
   * received (answered by `answerRepeatedRequest` when it is the very same one).
   */
  repeated?: boolean;
}

function describe(err: unknown): string {
  if (err instanceof KeySetUnavailable) return err.message;
  if (err instanceof errors.JOSEError) return err.message;
  return 'verification failed';
}

/**
 * Signed authentication request (CIBA §7.1.1). Unsigned requests are refused when
 * the client registered `backchannel_authentication_request_signing_alg` or FAPI-CIBA
 * applies (FAPI-CIBA §5.2.2-6). A `request` must be a JWS, or a JWE encrypted to the
 * provider's request-object key that holds one (RFC 9101 §6.1), signed with the registered
 * asymmetric alg by the client's keys;
 * `aud` = issuer, `iss` = client_id, `exp`/`iat`/`nbf`/`jti` present, `exp - nbf` within
 * settings.requestObjectMaxLifetime, `jti` used once (a second use is reported as
 * `repeated`, for the next step to answer or refuse); the authentication parameters
 * must not also appear as form parameters. Every failure is invalid_request.
 */
export async function processRequestObject(
  ctx: ProviderContext,
  client: Client,
  form: Map<string, string>,
): Promise<ProcessedRequest> {
  let request = form.get('request');
  const fapi = isFapiClient(ctx.settings, client);
  const registeredAlg = client.backchannelAuthenticationRequestSigningAlg;
  if (request === undefined) {
    if (fapi) throw new InvalidRequest('FAPI-CIBA requires a signed authentication request');
    if (registeredAlg) {
      throw new InvalidRequest('the client registered a request signing alg and must send signed requests');
    }
    return { params: form };
  }
  for (const name of AUTHENTICATION_PARAMETERS) {
    if (form.has(name)) throw new InvalidRequest(`${name} must be inside the request object, not beside it`);
  }
  if (request.split('.').length === 5) {
    // RFC 9101 §6.1: signed, then encrypted to the provider (a nested JWT, RFC 7519 §5.2)
    if (!ctx.requestObjectKeys) throw new InvalidRequest('encrypted request objects are not supported');
    request = await ctx.requestObjectKeys.decrypt(request);
    if (request.split('.').length !== 3) {
      throw new InvalidRequest('an encrypted request object must contain a signed JWT (RFC 9101 §6.1)');
    }
  } else if (request.split('.').length !== 3) {
    throw new InvalidRequest('request is not a signed JWT');
  }
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(request).alg;
  } catch {
    throw new InvalidRequest('request is not a signed JWT');
  }
  if (!registeredAlg) {
    throw new InvalidRequest('the client registered no backchannel_authentication_request_signing_alg');
  }
  if (!isAsymmetricAlg(alg) || alg !== registeredAlg) {
    throw new InvalidRequest(`request must be signed with ${registeredAlg}`);
  }
  // FAPI 1.0 Advanced §8.6
  if (fapi && !FAPI_JWS_ALGS.includes(alg)) throw new InvalidRequest('FAPI-CIBA allows only PS256 or ES256');
  const now = ctx.clock.now();
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(request, clientKeyResolver(ctx, client), {
      algorithms: [alg],
      issuer: client.clientId,
      audience: ctx.settings.issuer,
      requiredClaims: ['exp', 'iat', 'nbf', 'jti'],
      currentDate: new Date(now),
      clockTolerance: CLOCK_TOLERANCE,
    }));
  } catch (err) {
    throw new InvalidRequest(`request object rejected: ${describe(err)}`);
  }
  const exp = payload.exp as number;
  const nbf = payload.nbf as number;
  // FAPI-CIBA §5.2.2-9: lifetime exp - nbf of at most 60 minutes (configurable, never more).
  if (exp - nbf > ctx.settings.requestObjectMaxLifetime) {
    throw new InvalidRequest('request object lifetime (exp - nbf) is too long');
  }
  if (typeof payload.jti !== 'string' || payload.jti === '') throw new InvalidRequest('request object jti is required');
  if (payload.client_id !== undefined && payload.client_id !== client.clientId) {
    throw new InvalidRequest('request object client_id does not match the authenticated client');
  }
  const fresh = await ctx.stores.replay.consume(
    `request_object:${client.clientId}:${payload.jti}`,
    (exp + CLOCK_TOLERANCE) * 1000,
  );
  return {
    params: new Map(Object.entries(payload)),
    requestObjectHash: hash('sha256', request, 'base64url'),
    ...(fresh ? {} : { repeated: true }),
  };
}
