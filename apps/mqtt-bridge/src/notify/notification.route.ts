import type { PushReceipt } from '@onboard/bridge-core';
import { json, type BridgeHttpServer } from '../infra/http-server';

/** The bridge's client notification endpoint (CIBA §10.2, §10.3), registered at the provider for every device. */
export const NOTIFICATION_PATH = '/ciba/notify';

/** Bound on a notification body: an encrypted token response is at most 12 KiB. */
const MAX_NOTIFICATION_BYTES = 32 * 1024;

/**
 * `POST /ciba/notify`: the provider's push (or ping) for one device request, authenticated by the
 * request's `client_notification_token` as a Bearer token. 204 once the result is stored; 401
 * without detail for an unknown token (RFC 6750 §3); 400 for a body that is not a notification.
 */
export function registerNotificationRoute(http: BridgeHttpServer, receipt: PushReceipt): void {
  http.route('POST', NOTIFICATION_PATH, async (req) => {
    const authorization = req.headers.authorization;
    const answer = await receipt.receive(authorization, await req.body(MAX_NOTIFICATION_BYTES));
    switch (answer.status) {
      case 204:
        return { status: 204, headers: { 'cache-control': 'no-store' } };
      case 401:
        return { status: 401, headers: { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' } };
      case 400:
        return json(400, { error: answer.error, error_description: answer.errorDescription });
    }
  });
}
