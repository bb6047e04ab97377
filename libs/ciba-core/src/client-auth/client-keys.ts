import { createLocalJWKSet, errors, type FlattenedJWSInput, type JSONWebKeySet, type JWSHeaderParameters } from 'jose';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import { type HttpClient, OutboundTargetRefused } from '@onboard/platform';

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/** A jose key resolver (`jwtVerify`'s second argument). */
export type KeyResolver = (header: JWSHeaderParameters, token: FlattenedJWSInput) => ReturnType<LocalSet>;

/** How long a fetched jwks_uri document is trusted before it is fetched again. */
const REMOTE_TTL_MS = 5 * 60_000;
/** A key set is refetched for an unknown `kid` at most this often (bounds outbound fetches an attacker can cause). */
const REFETCH_COOLDOWN_MS = 5_000;
const FETCH_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 128 * 1024;
const MAX_CACHED_SETS = 2_000;

/** Raised when a key set cannot be loaded; callers map it to their endpoint's error. */
export class KeySetUnavailable extends Error {}

interface RemoteEntry {
  set: LocalSet;
  /** The fetched document itself (encryption keys are picked from it, not through `set`). */
  jwks: JSONWebKeySet;
  fetchedAt: number;
}

// Caches are keyed by the HttpClient instance so that separate providers (and tests) never share entries.
const remoteCaches = new WeakMap<HttpClient, Map<string, Promise<RemoteEntry>>>();
const localCache = new Map<string, { json: string; set: LocalSet }>();

function boundedSet<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.size >= MAX_CACHED_SETS) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { keys?: unknown }).keys) &&
    (value as { keys: unknown[] }).keys.every((k) => typeof k === 'object' && k !== null && !Array.isArray(k))
  );
}

/** A resolver over an inline JWKS, memoised under `cacheKey` while the JWKS is unchanged. */
export function localKeyResolver(cacheKey: string, jwks: JSONWebKeySet): KeyResolver {
  const json = JSON.stringify(jwks);
  const hit = localCache.get(cacheKey);
  if (hit && hit.json === json) return hit.set;
  if (!isKeySet(jwks)) throw new KeySetUnavailable('registered jwks is not a JWK Set');
  const set = createLocalJWKSet(jwks);
  boundedSet(localCache, cacheKey, { json, set });
  return set;
}

async function fetchKeySet(ctx: ProviderContext, uri: string): Promise<RemoteEntry> {
  let body: unknown;
  try {
    const res = await ctx.http.send({
      url: uri,
      method: 'GET',
      headers: { accept: 'application/jwk-set+json, application/json' },
      timeoutMs: FETCH_TIMEOUT_MS,
      maxResponseBytes: MAX_JWKS_BYTES,
    });
    if (res.status !== 200) throw new KeySetUnavailable(`jwks_uri answered ${res.status}`);
    body = JSON.parse(res.body);
  } catch (err) {
    if (err instanceof KeySetUnavailable) throw err;
    // The outbound policy refused the host or what it resolves to (SSRF guard).
    if (err instanceof OutboundTargetRefused) throw new KeySetUnavailable(`jwks_uri refused: ${err.reason}`);
    throw new KeySetUnavailable('jwks_uri could not be fetched');
  }
  if (!isKeySet(body)) throw new KeySetUnavailable('jwks_uri did not return a JWK Set');
  return { set: createLocalJWKSet(body), jwks: body, fetchedAt: ctx.clock.now() };
}

function loadRemote(ctx: ProviderContext, uri: string, force: boolean): Promise<RemoteEntry> {
  let cache = remoteCaches.get(ctx.http);
  if (!cache) {
    cache = new Map();
    remoteCaches.set(ctx.http, cache);
  }
  const cached = cache.get(uri);
  if (cached && !force) return cached;
  // Concurrent callers share one fetch; a failed fetch is not cached.
  const pending = fetchKeySet(ctx, uri).then(
    (entry) => entry,
    (err: unknown) => {
      if (cache.get(uri) === pending) cache.delete(uri);
      throw err;
    },
  );
  boundedSet(cache, uri, pending);
  return pending;
}

/**
 * A resolver over a remote `jwks_uri`, fetched through ctx.http and cached. An unknown
 * `kid` triggers one refetch (the client may have rotated its keys), rate-limited per URI.
 */
export function remoteKeyResolver(ctx: ProviderContext, uri: string): KeyResolver {
  return async (header, token) => {
    let entry = await loadRemote(ctx, uri, false);
    if (ctx.clock.now() - entry.fetchedAt > REMOTE_TTL_MS) entry = await loadRemote(ctx, uri, true);
    try {
      return await entry.set(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (ctx.clock.now() - entry.fetchedAt < REFETCH_COOLDOWN_MS) throw err;
      entry = await loadRemote(ctx, uri, true);
      return entry.set(header, token);
    }
  };
}

/**
 * The client's JWK Set as a document (RFC 7591 §2: `jwks`, or `jwks_uri` fetched and
 * cached like {@link remoteKeyResolver}, refetched after the same TTL). Used to pick
 * the client's encryption key. Throws KeySetUnavailable when there is none.
 */
export async function clientKeySet(ctx: ProviderContext, client: Client): Promise<JSONWebKeySet> {
  if (client.jwks) return client.jwks;
  if (!client.jwksUri) throw new KeySetUnavailable('client has no registered keys');
  let entry = await loadRemote(ctx, client.jwksUri, false);
  if (ctx.clock.now() - entry.fetchedAt > REMOTE_TTL_MS) entry = await loadRemote(ctx, client.jwksUri, true);
  return entry.jwks;
}

/**
 * The client's verification keys (RFC 7591 §2: `jwks` or `jwks_uri`), used for
 * private_key_jwt assertions (RFC 7523 §3) and signed requests (CIBA §7.1.1).
 * Throws KeySetUnavailable when the client registered no keys.
 */
export function clientKeyResolver(ctx: ProviderContext, client: Client): KeyResolver {
  if (client.jwks) return localKeyResolver(`client:${client.clientId}`, client.jwks);
  if (client.jwksUri) return remoteKeyResolver(ctx, client.jwksUri);
  throw new KeySetUnavailable('client has no registered keys');
}
