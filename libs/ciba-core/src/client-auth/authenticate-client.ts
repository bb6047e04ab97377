import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { WireRequest } from '../wire/wire';
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
 *   InvalidRequest when the request itself is malformed (several methods at once).
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
