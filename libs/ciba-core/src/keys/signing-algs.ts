import type { Client } from '../domain/client';
import type { SigningAlg } from '../domain/tokens';
import { FAPI_JWS_ALGS, isFapiClient } from '../client-auth/algorithms';
import type { ProviderSettings } from '../settings';

/**
 * Every alg the key ring holds a key for. RS256 first: OIDC Discovery §3 requires it among
 * `id_token_signing_alg_values_supported`, and OIDC Registration §2 makes it the default
 * `id_token_signed_response_alg`, so every certified relying party expects it.
 */
export const SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'ES256', 'PS256'];

/** OIDC Registration §2: the default of `id_token_signed_response_alg`. */
export const DEFAULT_ID_TOKEN_SIGNING_ALG: SigningAlg = 'RS256';

/** FAPI 1.0 Advanced §8.6 allows PS256 and ES256 only: FAPI clients default to PS256. */
export const FAPI_ID_TOKEN_SIGNING_ALG: SigningAlg = 'PS256';

/** Default access-token alg (RFC 9068 §2.1): the provider is the tokens' resource server. */
export const DEFAULT_ACCESS_TOKEN_SIGNING_ALG: SigningAlg = 'ES256';

export const isSigningAlg = (value: unknown): value is SigningAlg =>
  typeof value === 'string' && (SIGNING_ALGS as readonly string[]).includes(value);

/**
 * The algs offered for responses signed to a client (ID tokens, UserInfo), as published in
 * discovery: all of them, or under FAPI-CIBA only PS256 and ES256 (FAPI 1.0 Advanced §8.6).
 */
export function responseSigningAlgs(fapi: boolean): SigningAlg[] {
  return fapi ? SIGNING_ALGS.filter((alg) => FAPI_JWS_ALGS.includes(alg)) : [...SIGNING_ALGS];
}

/**
 * The alg of a client's ID tokens: its registered `id_token_signed_response_alg`, else RS256
 * (OIDC Registration §2), or PS256 for a FAPI client registered before the alg was recorded.
 */
export function idTokenSigningAlg(
  settings: ProviderSettings,
  client: Pick<Client, 'idTokenSignedResponseAlg' | 'fapiCiba'>,
): SigningAlg {
  if (client.idTokenSignedResponseAlg !== undefined) return client.idTokenSignedResponseAlg;
  return isFapiClient(settings, client) ? FAPI_ID_TOKEN_SIGNING_ALG : DEFAULT_ID_TOKEN_SIGNING_ALG;
}

/**
 * The alg of a client's access tokens: the deployment's ACCESS_TOKEN_SIGNING_ALG, except
 * that a FAPI client never gets RS256 (FAPI 1.0 Advanced §8.6): PS256 then.
 */
export function accessTokenSigningAlg(settings: ProviderSettings, client: Pick<Client, 'fapiCiba'>): SigningAlg {
  const alg = settings.accessTokenSigningAlg ?? DEFAULT_ACCESS_TOKEN_SIGNING_ALG;
  return alg === 'RS256' && isFapiClient(settings, client) ? FAPI_ID_TOKEN_SIGNING_ALG : alg;
}
