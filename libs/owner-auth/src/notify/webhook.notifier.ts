import type { AuthRequest, OutboxChannel, OwnerNotifier, ProviderContext } from '@onboard/ciba-core';
import { queueOwnerNotification } from './outbox';

/** `typ` of the webhook's JWS (RFC 8725 §3.11: explicit typing). */
export const OWNER_NOTIFICATION_TYPE = 'onboard-owner-notification+jwt';

/** The claims of an owner notification (docs/notifications.md). */
export interface OwnerNotificationClaims {
  iss: string;
  aud: string;
  iat: number;
  jti: string;
  event: 'request.created';
  /** The request's id in the owner-device API (what the app opens, approves or denies). */
  request_id: string;
  /** The client's auth_req_id: only to the client's own webhook, and only when the provider holds it (ping, push). */
  auth_req_id?: string;
  sub: string;
  client_id: string;
  binding_message?: string;
  /** When the request expires (seconds since the epoch). */
  expires_at: number;
}

/**
 * The webhook notifier, for a bank's or OEM's own mobile app: for a new request, a JWS signed
 * with the provider's ES256 key (its kid in the JWKS) POSTed to the client's
 * `onboard_owner_notification_uri`, or else to `OWNER_WEBHOOK_URL`. Announced once per
 * request and URL, sent by the outbox worker with its retries (see {@link webhookChannel}).
 */
export function webhookNotifier(ctx: ProviderContext): OwnerNotifier {
  return {
    async notify(request: AuthRequest) {
      const client = await ctx.stores.clients.find(request.clientId);
      if (!client || client.disabled) return;
      const own = client.metadata['onboard_owner_notification_uri'];
      const url = typeof own === 'string' ? own : ctx.settings.ownerApp.webhookUrl;
      if (!url) return;
      await queueOwnerNotification(ctx, request, `webhook:${url}`, {
        kind: 'owner_webhook',
        url,
        bearer: '',
        body: async () => {
          const claims: OwnerNotificationClaims = {
            iss: ctx.settings.issuer,
            aud: ctx.settings.ownerApp.webhookAudience ?? client.clientId,
            iat: Math.floor(ctx.clock.now() / 1000),
            jti: ctx.random.uuid(),
            event: 'request.created',
            request_id: request.id,
            ...(typeof own === 'string' && request.deliveryAuthReqId ? { auth_req_id: request.deliveryAuthReqId } : {}),
            sub: request.sub,
            client_id: request.clientId,
            ...(request.bindingMessage ? { binding_message: request.bindingMessage } : {}),
            expires_at: Math.floor(request.expiresAt / 1000),
          };
          return ctx.keys.sign({ ...claims }, { alg: 'ES256', typ: OWNER_NOTIFICATION_TYPE });
        },
      });
    },
  };
}

/** How the outbox worker sends an `owner_webhook` message: the JWS as the body, `application/jwt`. */
export const webhookChannel: OutboxChannel = {
  async prepare(message) {
    return { url: message.url, headers: { 'content-type': 'application/jwt' }, body: message.body };
  },
};
