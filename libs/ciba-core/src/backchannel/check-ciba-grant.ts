import type { ProviderContext } from '../context';
import { CIBA_GRANT_TYPE, type Client } from '../domain/client';
import { UnauthorizedClient } from '../errors/oauth-error';
import { isFapiClient } from '../client-auth/algorithms';

/**
 * CIBA §13 unauthorized_client: the client must be registered for the CIBA grant
 * (CIBA §4 `grant_types`) and for a delivery mode this deployment allows
 * (FAPI-CIBA §5.2.2-3: no push; ping/push need a notification endpoint, CIBA §4).
 */
export function checkCibaGrant(ctx: ProviderContext, client: Client): void {
  if (!client.grantTypes.includes(CIBA_GRANT_TYPE)) {
    throw new UnauthorizedClient('the client is not registered for the CIBA grant');
  }
  const mode = client.backchannelTokenDeliveryMode;
  if (mode === 'push' && isFapiClient(ctx.settings, client)) {
    throw new UnauthorizedClient('push mode is not allowed under FAPI-CIBA');
  }
  if (mode !== 'poll' && !client.backchannelClientNotificationEndpoint) {
    throw new UnauthorizedClient(`${mode} mode needs a registered backchannel_client_notification_endpoint`);
  }
}
