import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { WireRequest } from '../wire/wire';
import { InvalidClient } from '../errors/oauth-error';
import { countAuthFailure, refuseBlockedSource } from '../limits/limits';
import { isFapiClient } from './algorithms';
import { clientSecretMatches } from './client-secret';
import { invalidClient, readClientCredentials } from './read-client-credentials';
import { verifyClientAssertion } from './verify-client-assertion';

/**
 * Authenticate the client of a token, backchannel, introspection or revocation request
 * (RFC 6749 §2.3, OIDC Core §9, CIBA §7.1): exactly one of client_secret_basic,
 * client_secret_post or private_key_jwt, and it must be the method the client
 * registered. Under FAPI-CIBA only private_key_jwt with PS256/ES256 is accepted.
 *
 * @param endpointPath the PATHS value of the calling endpoint (an accepted assertion `aud`).
 * @throws InvalidClient (401, with `WWW-Authenticate`) on any authentication failure;
 *   InvalidRequest when the request itself is malformed (several methods at once);
 *   RateLimited (429) while the source address is blocked after too many failures
 *   (README, "Limits"): each failure is counted per address and logged without the secret.
 * @example
 *   const form = parseForm(req);
 *   const client = await authenticateClient(ctx, req, form, PATHS.token);
 */
export async function authenticateClient(
  ctx: ProviderContext,
  req: WireRequest,
  form: Map<string, string>,
  endpointPath: string,
): Promise<Client> {
  await refuseBlockedSource(ctx, 'client', req.ip);
  try {
    return await authenticate(ctx, req, form, endpointPath);
  } catch (error) {
    // A request with no credentials at all guessed nothing: only presented credentials count.
    const presented =
      req.headers.authorization !== undefined || form.has('client_secret') || form.has('client_assertion');
    if (error instanceof InvalidClient && presented) {
      const named = readClientId(req, form);
      const known = named !== undefined && (await ctx.stores.clients.find(named)) !== undefined;
      await countAuthFailure(ctx, 'client', req.ip, { endpoint: endpointPath, ...(known ? { clientId: named } : {}) });
    }
    throw error;
  }
}

/** The client id a failed request named, if it named one readably (for the log, not trusted). */
function readClientId(req: WireRequest, form: Map<string, string>): string | undefined {
  try {
    return readClientCredentials(req, form).clientId;
  } catch {
    return form.get('client_id');
  }
}

async function authenticate(
  ctx: ProviderContext,
  req: WireRequest,
  form: Map<string, string>,
  endpointPath: string,
): Promise<Client> {
  const presented = readClientCredentials(req, form);
  if (presented.method === 'private_key_jwt') {
    return verifyClientAssertion(ctx, presented.assertion, presented.clientId, endpointPath);
  }
  const client = await ctx.stores.clients.find(presented.clientId);
  // Compare even for unknown clients so that timing does not reveal which ids exist.
  const secretOk = clientSecretMatches(presented.secret, client?.clientSecretHash);
  if (!client || client.disabled || !secretOk) throw invalidClient('client authentication failed');
  if (client.tokenEndpointAuthMethod !== presented.method) {
    throw invalidClient(`the client is registered for ${client.tokenEndpointAuthMethod}`);
  }
  // FAPI 1.0 Advanced §5.2.2-14: private_key_jwt (or mTLS, unsupported here) only.
  if (isFapiClient(ctx.settings, client)) throw invalidClient('FAPI-CIBA requires private_key_jwt');
  return client;
}
