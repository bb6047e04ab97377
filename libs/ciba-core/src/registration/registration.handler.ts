import type { ProviderContext } from '../context';
import { MethodNotAllowed, OAuthError } from '../errors/oauth-error';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import { parseJsonBody } from '../http/parse-body';
import type { WireRequest, WireResponse } from '../wire/wire';
import { bearerToken, checkInitialAccessToken } from './initial-access-token';
import { registerClient } from './register-client';

/**
 * The Client Registration Endpoint (RFC 7591 §3): POST a JSON object of client
 * metadata with `Authorization: Bearer <initial access token>`; 201 with the client
 * information response (§3.2.1), or 400 invalid_client_metadata / invalid_redirect_uri
 * (§3.2.2), 401 invalid_token. Never throws.
 *
 * @example const res = await handleRegistration(ctx, wireRequest); // res.status === 201
 */
export async function handleRegistration(ctx: ProviderContext, req: WireRequest): Promise<WireResponse> {
  try {
    if (req.method !== 'POST') throw new MethodNotAllowed('only POST is supported');
    // The token is checked before the body is looked at.
    checkInitialAccessToken(ctx, bearerToken(req));
    const metadata = parseJsonBody(req);
    const { client, response } = await registerClient(ctx, metadata, { skipInitialAccessToken: true });
    await ctx.stores.audit.append({
      id: ctx.random.uuid(),
      at: client.createdAt,
      type: 'client.registered',
      clientId: client.clientId,
      data: {
        tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
        deliveryMode: client.backchannelTokenDeliveryMode,
      },
    });
    ctx.metrics.outcome('registration', 'ok');
    return jsonNoStore(201, response);
  } catch (err) {
    ctx.metrics.outcome('registration', err instanceof OAuthError ? err.code : 'server_error');
    return renderHttpError(err, ctx.logger);
  }
}
