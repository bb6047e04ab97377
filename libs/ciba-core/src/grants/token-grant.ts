import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { TokenResponse } from '../tokens/issue-tokens';

/** What every grant receives once the token endpoint has authenticated the client. */
export interface GrantInput {
  client: Client;
  /** The parsed token request form (RFC 6749 §3.2). */
  form: Map<string, string>;
  /** RFC 9449: thumbprint of the key of a valid DPoP proof sent with the request. */
  jkt?: string;
}

/** One grant type of the token endpoint (STYLE §6: one file per grant, same contract). */
export interface TokenGrant {
  /** The `grant_type` value it answers. */
  readonly grantType: string;
  handle(ctx: ProviderContext, input: GrantInput): Promise<TokenResponse>;
}
