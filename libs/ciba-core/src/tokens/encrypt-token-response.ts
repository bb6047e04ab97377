import {
  CompactEncrypt,
  importJWK,
  type CompactJWEHeaderParameters,
  type CryptoKey,
  type JSONWebKeySet,
  type JWK,
} from 'jose';
import { clientKeySet, KeySetUnavailable } from '../client-auth/client-keys';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { ServerError } from '../errors/oauth-error';
import type { TokenResponse } from './issue-tokens';

/**
 * JWE key management algorithms of the Onboard `token_response_encryption_alg` client
 * metadata (RFC 7518 §4.6: ECDH-ES key agreement, direct or with AES key wrap).
 */
export const TOKEN_RESPONSE_ENCRYPTION_ALGS = ['ECDH-ES+A256KW', 'ECDH-ES'] as const;
/** JWE content encryption algorithms of `token_response_encryption_enc` (RFC 7518 §5.3); the first is the default. */
export const TOKEN_RESPONSE_ENCRYPTION_ENCS = ['A256GCM', 'A128GCM'] as const;
export const DEFAULT_TOKEN_RESPONSE_ENCRYPTION_ENC = TOKEN_RESPONSE_ENCRYPTION_ENCS[0];

/** The body that replaces the token response of a client registered for encryption. */
export interface EncryptedTokenResponse {
  encrypted_token_response: string;
}

/** Curves an ECDH-ES recipient key may use, most preferred first (X25519: RFC 8037 §3.2). */
const CURVES: readonly { kty: string; crv: string }[] = [
  { kty: 'OKP', crv: 'X25519' },
  { kty: 'EC', crv: 'P-256' },
];

/**
 * The client's token-response encryption key in `jwks`: a public key with `use: enc`
 * (RFC 7517 §4.2), an X25519 (preferred) or P-256 curve, and no `alg` other than the
 * registered one (RFC 7517 §4.4). Undefined when there is none.
 */
export function selectEncryptionJwk(jwks: JSONWebKeySet, alg: string): JWK | undefined {
  const usable = jwks.keys.filter((key) => key.use === 'enc' && (key.alg === undefined || key.alg === alg));
  for (const { kty, crv } of CURVES) {
    const key = usable.find((k) => k.kty === kty && k.crv === crv);
    if (key) return key;
  }
  return undefined;
}

interface CachedKey {
  /** What the key was imported from: the JSON of an inline jwks, or a fetched jwks_uri document. */
  source: string | JSONWebKeySet;
  alg: string;
  key: CryptoKey;
  kid?: string;
}

// Imported keys, per provider (keyed by its HttpClient, as client-keys.ts does) and client. Importing a JWK
// costs about as much as the encryption itself, so it is done once per key set.
const MAX_CACHED_KEYS = 10_000;
const keyCaches = new WeakMap<object, Map<string, CachedKey>>();

function cacheOf(ctx: ProviderContext): Map<string, CachedKey> {
  let cache = keyCaches.get(ctx.http);
  if (!cache) {
    cache = new Map();
    keyCaches.set(ctx.http, cache);
  }
  return cache;
}

/**
 * The imported public key that token responses to `client` are encrypted to, or
 * undefined when the client registered no `token_response_encryption_alg`. Cached per
 * client while its key set is unchanged.
 *
 * @throws ServerError when the client's key set has no usable encryption key or
 *   cannot be loaded (registration checks inline keys, so this means a jwks_uri problem).
 */
export async function tokenEncryptionKey(
  ctx: ProviderContext,
  client: Client,
): Promise<{ key: CryptoKey; alg: string; kid?: string } | undefined> {
  const alg = client.tokenResponseEncryptionAlg;
  if (alg === undefined) return undefined;
  let jwks: JSONWebKeySet;
  try {
    jwks = await clientKeySet(ctx, client);
  } catch (err) {
    if (err instanceof KeySetUnavailable) throw new ServerError(`token response encryption: ${err.message}`);
    throw err;
  }
  // Inline key sets are new objects on every store read: compare their JSON.
  const source = client.jwks ? JSON.stringify(jwks) : jwks;
  const cache = cacheOf(ctx);
  const hit = cache.get(client.clientId);
  if (hit && hit.source === source && hit.alg === alg) return hit;
  const jwk = selectEncryptionJwk(jwks, alg);
  if (!jwk) throw new ServerError('token response encryption: the client has no usable use=enc key');
  const key = (await importJWK(jwk, alg)) as CryptoKey;
  const entry: CachedKey = { source, alg, key, kid: jwk.kid };
  if (cache.size >= MAX_CACHED_KEYS) cache.delete(cache.keys().next().value as string);
  cache.set(client.clientId, entry);
  return entry;
}

/**
 * Onboard extension: the token response for `client` as it goes on the wire. A client
 * registered with `token_response_encryption_alg` gets `{"encrypted_token_response":
 * "<compact JWE>"}` (RFC 7516 §7.1), whose plaintext is the JSON token response;
 * others get `tokens` unchanged. Used for the push body (CIBA §10.3.1) and for
 * token-endpoint successes. Errors are never encrypted.
 *
 * @example
 * const body = pushTokenBody(authReqId, { ...(await encryptTokenResponse(ctx, client, tokens)) });
 */
export async function encryptTokenResponse(
  ctx: ProviderContext,
  client: Client,
  tokens: TokenResponse,
): Promise<TokenResponse | EncryptedTokenResponse> {
  const recipient = await tokenEncryptionKey(ctx, client);
  if (!recipient) return tokens;
  const enc = client.tokenResponseEncryptionEnc ?? DEFAULT_TOKEN_RESPONSE_ENCRYPTION_ENC;
  const header: CompactJWEHeaderParameters = { alg: recipient.alg, enc };
  if (recipient.kid !== undefined) header.kid = recipient.kid;
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(tokens)))
    .setProtectedHeader(header)
    .encrypt(recipient.key);
  return { encrypted_token_response: jwe };
}
