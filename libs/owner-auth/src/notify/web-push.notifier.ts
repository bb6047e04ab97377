import webpush from 'web-push';
import {
  vapidSubject,
  type AuthRequest,
  type OutboxChannel,
  type OwnerNotifier,
  type ProviderContext,
} from '@onboard/ciba-core';
import { queueOwnerNotification } from './outbox';
import type { VapidKeys } from './vapid-keys';

/**
 * What a Web Push message holds (JSON, encrypted end to end by RFC 8291): what the lock
 * screen shows and the id the app opens. Nothing else of the request.
 */
export interface OwnerPushPayload {
  type: 'request.created';
  request_id: string;
  /** The client's display name (`client_name`). */
  client_name?: string;
  binding_message?: string;
}

/** Web Push statuses that say the subscription is gone for good (RFC 8030 §7.3: 404, 410). */
const GONE = new Set([404, 410]);

/**
 * The Web Push notifier: for a new request, one message per push subscription of the owner
 * (each of their devices that turned notifications on), announced once per subscription and
 * sent by the outbox worker (see {@link webPushChannel}).
 */
export function webPushNotifier(ctx: ProviderContext): OwnerNotifier {
  return {
    async notify(request: AuthRequest) {
      const subscriptions = await ctx.stores.push.listSubscriptions(request.sub);
      if (subscriptions.length === 0) return;
      const client = await ctx.stores.clients.find(request.clientId);
      const payload: OwnerPushPayload = {
        type: 'request.created',
        request_id: request.id,
        ...(client?.clientName ? { client_name: client.clientName } : {}),
        ...(request.bindingMessage ? { binding_message: request.bindingMessage } : {}),
      };
      const body = JSON.stringify(payload);
      for (const subscription of subscriptions) {
        await queueOwnerNotification(ctx, request, `push:${subscription.id}`, {
          kind: 'web_push',
          url: subscription.endpoint,
          bearer: subscription.id,
          body: async () => body,
        });
      }
    },
  };
}

/**
 * How the outbox worker sends a `web_push` message: the subscription's keys are read at send
 * time (a removed subscription is not pushed to), the payload encrypted (RFC 8291,
 * `aes128gcm`) and signed for with the VAPID key (RFC 8292) by the web-push library, and the
 * request sent by the worker through the outbound guard. A request no longer pending is not
 * pushed; `TTL` is the request's remaining lifetime. A 404 or 410 drops the subscription.
 */
export function webPushChannel(ctx: ProviderContext, vapid: VapidKeys): OutboxChannel {
  return {
    async prepare(message) {
      const subscription = await ctx.stores.push.findSubscription(message.bearer);
      if (!subscription) return { failed: 'push subscription removed' };
      const request = await ctx.stores.authRequests.find(message.authRequestId);
      const now = ctx.clock.now();
      if (!request || request.status !== 'pending' || request.expiresAt <= now) {
        return { failed: 'request no longer pending' };
      }
      const details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        message.body,
        {
          vapidDetails: {
            subject: vapidSubject(ctx.settings),
            publicKey: vapid.publicKey,
            privateKey: vapid.privateKey,
          },
          TTL: Math.max(1, Math.ceil((request.expiresAt - now) / 1000)),
          urgency: 'high',
          contentEncoding: 'aes128gcm',
        },
      );
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(details.headers)) {
        // The HTTP client frames the body itself.
        if (name.toLowerCase() !== 'content-length') headers[name.toLowerCase()] = String(value);
      }
      return { url: details.endpoint, headers, body: details.body as Buffer };
    },
    async rejected(message, status) {
      if (!GONE.has(status)) return;
      if (await ctx.stores.push.deleteSubscription(message.bearer)) {
        ctx.logger.info('push subscription dropped: the push service no longer knows it', {
          subscriptionId: message.bearer,
          status,
        });
      }
    },
  };
}
