import type { ProviderContext } from '../context';
import { renderHttpError } from '../http/render-http';
import type { WireRequest, WireResponse } from '../wire/wire';

/** Clients may cache the key set briefly; a rotation publishes new keys at once and old ones stay published. */
export const JWKS_MAX_AGE_SECONDS = 60;

/**
 * The provider's public JWK Set (RFC 7517 §5; OIDC Discovery `jwks_uri`): active and
 * not-yet-expired retired signing keys, and the keys clients encrypt request objects to
 * (RFC 9101 §6.1), public members only. Never throws.
 *
 * @example
 * const res = await handleJwks(ctx, req); // { keys: [{ kty: 'EC', kid, alg: 'ES256', use: 'sig', ... }, ...] }
 */
export async function handleJwks(ctx: ProviderContext, _req: WireRequest): Promise<WireResponse> {
  try {
    return {
      status: 200,
      headers: {
        'content-type': 'application/jwk-set+json',
        'cache-control': `public, max-age=${JWKS_MAX_AGE_SECONDS}`,
      },
      // RFC 7517 §4.2: signing keys `use` `sig`, request-object encryption keys `use` `enc`
      body: { keys: [...(await ctx.keys.jwks()).keys, ...(ctx.requestObjectKeys?.publicJwks() ?? [])] },
    };
  } catch (error) {
    return renderHttpError(error, ctx.logger);
  }
}
