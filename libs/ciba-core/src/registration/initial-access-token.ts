import { hash, timingSafeEqual } from 'node:crypto';
import type { ProviderContext } from '../context';
import { InvalidToken } from '../errors/oauth-error';
import type { WireRequest } from '../wire/wire';

const digest = (value: string) => hash('sha256', value, 'buffer');

/** The Bearer token of the Authorization header (RFC 6750 §2.1), if any. */
export function bearerToken(req: WireRequest): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/**
 * RFC 7591 §3: registration is guarded by an initial access token. The presented
 * token is compared in constant time with every configured one (digests of equal
 * length, no early exit). Absent or wrong → 401 invalid_token (RFC 6750 §3.1).
 */
export function checkInitialAccessToken(ctx: ProviderContext, token: string | undefined): void {
  let ok = false;
  if (token !== undefined) {
    const presented = digest(token);
    for (const configured of ctx.settings.initialAccessTokens) {
      if (timingSafeEqual(presented, digest(configured))) ok = true;
    }
  }
  if (!ok) {
    const error = new InvalidToken(
      token === undefined ? 'an initial access token is required' : 'the initial access token is not valid',
    );
    // RFC 6750 §3: no error code in the challenge when no credentials were sent.
    error.headers = {
      'www-authenticate':
        token === undefined ? 'Bearer realm="onboard"' : 'Bearer realm="onboard", error="invalid_token"',
    };
    throw error;
  }
}
