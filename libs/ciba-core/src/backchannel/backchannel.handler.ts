import type { ProviderContext } from '../context';
import { jsonNoStore, renderHttpError } from '../http/render-http';
import { parseForm } from '../http/parse-body';
import { PATHS } from '../paths';
import type { WireRequest, WireResponse } from '../wire/wire';
import { authenticateClient } from '../client-auth/authenticate-client';
import { OAuthError } from '../errors/oauth-error';
import { announceAuthRequest } from './announce-auth-request';
import { answerRepeatedRequest } from './answer-repeated-request';
import { authorizeRequest } from './authorize-request';
import { defaultBackchannelPolicy, type BackchannelPolicy } from './backchannel-policy';
import { checkAcrValues } from './check-acr-values';
import { checkAuthorizationDetails } from './check-authorization-details';
import { checkBindingMessage } from './check-binding-message';
import { checkCibaGrant } from './check-ciba-grant';
import { checkClientNotificationToken } from './check-client-notification-token';
import { checkDpopJkt } from './check-dpop-jkt';
import { checkHints } from './check-hints';
import { checkRequestedExpiry } from './check-requested-expiry';
import { checkRequestRate } from './check-request-rate';
import { checkScope } from './check-scope';
import { checkUserCode } from './check-user-code';
import { createAuthRequest } from './create-auth-request';
import { processRequestObject } from './process-request-object';
import { resolveHint } from './resolve-hint';

/**
 * The Backchannel Authentication Endpoint (CIBA §7), in the order of CIBA §7.2.
 * Never throws: failures are rendered as CIBA §13 errors.
 *
 * @param policy deployment hooks (login_hint resolution, binding message, user code,
 *   access policy); defaults to defaultBackchannelPolicy, any subset may be overridden.
 * @example
 *   const res = await handleBackchannelAuthentication(ctx, wireRequest);
 *   // 200 { auth_req_id, expires_in, interval } or 4xx { error, error_description }
 */
export async function handleBackchannelAuthentication(
  ctx: ProviderContext,
  req: WireRequest,
  policy: Partial<BackchannelPolicy> = defaultBackchannelPolicy,
): Promise<WireResponse> {
  const hooks =
    policy === defaultBackchannelPolicy ? defaultBackchannelPolicy : { ...defaultBackchannelPolicy, ...policy };
  try {
    // §7.1 the request, §7.2-1 client authentication
    const form = parseForm(req);
    const client = await authenticateClient(ctx, req, form, PATHS.backchannel);
    checkCibaGrant(ctx, client);
    // §7.1.1 signed authentication request, §7.2-2
    const { params, requestObjectHash, repeated } = await processRequestObject(ctx, client, form);
    if (repeated) {
      // the same signed request again (a lost acknowledgement): the same answer, the owner asked once
      const { authReqId, expiresIn, interval } = await answerRepeatedRequest(ctx, client, requestObjectHash);
      ctx.metrics.outcome('backchannel', 'repeated');
      return jsonNoStore(200, { auth_req_id: authReqId, expires_in: expiresIn, ...(interval ? { interval } : {}) });
    }
    // §7.1 parameters, §7.2-3
    const scope = checkScope(ctx, client, params);
    const hint = checkHints(params);
    const clientNotificationToken = checkClientNotificationToken(client, params);
    const expiresIn = checkRequestedExpiry(ctx, params);
    const acrValues = checkAcrValues(params);
    const authorizationDetails = checkAuthorizationDetails(ctx, params);
    const dpopJkt = checkDpopJkt(client, params);
    // §7.2-4 the hint, §7.2-5 user_code and binding_message
    const owner = await resolveHint(ctx, client, hint, hooks);
    await checkUserCode(ctx, client, owner, params, hooks);
    const bindingMessage = checkBindingMessage(ctx, client, params, hooks);
    // §13 access_denied: the provider's access policy for this owner, client and request
    await authorizeRequest(
      ctx,
      client,
      owner,
      { scope, acrValues, bindingMessage, authorizationDetails, expiresIn },
      hooks,
    );
    // Approval fatigue: the client's pace of new requests for this owner (the owner's
    // pending maximum is kept by createAuthRequest).
    await checkRequestRate(ctx, client, owner);
    // §7.3 acknowledgement
    const { request, authReqId } = await createAuthRequest(ctx, {
      client,
      owner,
      scope,
      acrValues,
      bindingMessage,
      authorizationDetails,
      clientNotificationToken,
      dpopJkt,
      expiresIn,
      requestObjectHash,
    });
    await announceAuthRequest(ctx, request, requestObjectHash !== undefined);
    ctx.metrics.outcome('backchannel', 'ok');
    const body: Record<string, unknown> = { auth_req_id: authReqId, expires_in: expiresIn };
    // §7.3: interval only for poll and ping clients.
    if (request.deliveryMode !== 'push') body.interval = request.interval;
    return jsonNoStore(200, body);
  } catch (err) {
    ctx.metrics.outcome('backchannel', err instanceof OAuthError ? err.code : 'server_error');
    return renderHttpError(err, ctx.logger);
  }
}
