import type { ProviderContext } from '../context';
import type { RefreshTokenRecord } from '../domain/tokens';
import { ACCESS_TOKEN_TYP } from '../tokens/issue-tokens';
import { sha256Base64url } from '../tokens/token-hashes';
import type { PresentedAccessToken } from './access-token';

export type FoundToken =
  | { kind: 'access_token'; claims: PresentedAccessToken['claims'] }
  | { kind: 'refresh_token'; record: RefreshTokenRecord };

/**
 * Find a token presented to introspection or revocation. Access tokens are JWTs
 * (three dot-separated parts) and refresh tokens are opaque base64url without dots,
 * so the token's shape picks the one lookup needed; `token_type_hint` is only a hint
 * (RFC 7009 §2.1, RFC 7662 §2.1) and is not needed. Access tokens must verify
 * (signature, issuer, typ, not expired); refresh tokens are found by hash.
 */
export async function lookupToken(ctx: ProviderContext, token: string): Promise<FoundToken | undefined> {
  if (token.split('.').length === 3) {
    try {
      const { payload } = await ctx.keys.verify(token, { typ: ACCESS_TOKEN_TYP, audience: ctx.settings.issuer });
      return { kind: 'access_token', claims: payload };
    } catch {
      return undefined;
    }
  }
  const record = await ctx.stores.refreshTokens.find(sha256Base64url(token));
  return record ? { kind: 'refresh_token', record } : undefined;
}
