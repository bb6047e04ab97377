import type { Client } from '../domain/client';
import type { ProviderSettings } from '../settings';

/**
 * Asymmetric JWS algorithms accepted from clients and trusted issuers. Symmetric
 * (HS*) and `none` are never accepted: CIBA §7.1.1 requires an asymmetric
 * signature for request objects, and we do not support client_secret_jwt.
 */
export const ASYMMETRIC_JWS_ALGS: readonly string[] = [
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

/** FAPI 1.0 Advanced §8.6: only PS256 and ES256. */
export const FAPI_JWS_ALGS: readonly string[] = ['PS256', 'ES256'];

export const isAsymmetricAlg = (alg: unknown): alg is string =>
  typeof alg === 'string' && ASYMMETRIC_JWS_ALGS.includes(alg);

/** Whether the FAPI-CIBA profile applies to this client (per client or globally). */
export const isFapiClient = (settings: ProviderSettings, client: Pick<Client, 'fapiCiba'>): boolean =>
  settings.fapiCiba || client.fapiCiba;
