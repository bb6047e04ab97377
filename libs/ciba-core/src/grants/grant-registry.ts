import { cibaGrant } from './ciba.grant';
import { refreshTokenGrant } from './refresh-token.grant';
import type { TokenGrant } from './token-grant';

/** Every grant the token endpoint supports, by `grant_type`: the one place grants are registered. */
export const TOKEN_GRANTS: ReadonlyMap<string, TokenGrant> = new Map(
  [cibaGrant, refreshTokenGrant].map((grant) => [grant.grantType, grant]),
);
