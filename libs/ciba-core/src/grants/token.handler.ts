import { authenticateClient } from '../client-auth/authenticate-client';
import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import {
  InvalidDpopProof,
  InvalidRequest,
  OAuthError,
  UnauthorizedClient,
  UnsupportedGrantType,
} from '../errors/oauth-error';
import { parseForm } from '../http/parse-body';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import { PATHS } from '../paths';
import { readDpopHeader, verifyDpopProof } from '../dpop/verify-dpop-proof';
import type { WireRequest, WireResponse } from '../wire/wire';
import { encryptTokenResponse, tokenEncryptionKey } from '../tokens/encrypt-token-response';
import { TOKEN_GRANTS } from './grant-registry';

/**
 * RFC 9449 §5: a DPoP proof sent to the token endpoint binds the issued tokens to
 * its key; clients registered with dpop_bound_access_tokens must send one
 * (RFC 9449 §5.2).
 */
async function tokenEndpointDpop(ctx: ProviderContext, req: WireRequest, client: Client): Promise<string | undefined> {
  const proof = readDpopHeader(req);
  if (proof === undefined) {
    if (client.dpopBoundAccessTokens) throw new InvalidDpopProof('this client must send a DPoP proof');
    return undefined;
  }
  return verifyDpopProof(ctx, proof, { htm: 'POST', htu: ctx.settings.issuer + PATHS.token });
}

/**
 * The token endpoint (RFC 6749 §3.2, CIBA §10.1): parse the form, authenticate the
 * client, check a DPoP proof, dispatch on `grant_type`. A client registered for
 * token response encryption gets `{"encrypted_token_response": "<JWE>"}` (see
 * {@link encryptTokenResponse}). Never throws: errors are rendered (in clear) per
 * RFC 6749 §5.2 with `Cache-Control: no-store`.
 *
 * @example
 * const res = await handleToken(ctx, { method: 'POST', url, headers, rawBody });
 */
export async function handleToken(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    const form = parseForm(req);
    const client = await authenticateClient(ctx, req, form, PATHS.token);
    const jkt = await tokenEndpointDpop(ctx, req, client);
    const requested = form.get('grant_type');
    if (!requested) throw new InvalidRequest('grant_type is required');
    const grant = TOKEN_GRANTS.get(requested);
    if (!grant) throw new UnsupportedGrantType('grant_type is not supported');
    // RFC 6749 §5.2: the client must be registered for the grant type.
    if (!client.grantTypes.includes(grant.grantType)) {
      throw new UnauthorizedClient('the client is not registered for this grant_type');
    }
    // Load the client's encryption key before the grant consumes anything, so a key
    // problem cannot lose issued tokens.
    await tokenEncryptionKey(ctx, client);
    const tokens = await grant.handle(ctx, { client, form, jkt });
    const body = await encryptTokenResponse(ctx, client, tokens);
    ctx.metrics.outcome('token', 'success');
    return jsonNoStore(200, body);
  } catch (error) {
    ctx.metrics.outcome('token', error instanceof OAuthError ? error.code : 'server_error');
    return renderHttpError(error, ctx.logger);
  }
}
