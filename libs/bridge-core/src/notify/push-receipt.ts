import type { Logger } from '@onboard/platform';
import type { RelayOutcome } from '../ports/relay-ledger.port';
import type { ResultDelivery } from '../delivery/result-delivery';
import { errorOutcome } from '../relay/provider-outcome';
import type { PendingPushes } from '../relay/pending-pushes';
import type { RequestLedger } from '../relay/request-ledger';
import { bearerToken, hashNotificationToken, notificationTokenHashesEqual } from './notification-token';
import { readNotification } from './read-notification';

/** The answer to the provider's client notification (CIBA §10.2, §10.3). */
export type NotificationAnswer =
  | { status: 204 }
  | { status: 400; error: 'invalid_request'; errorDescription: string }
  | { status: 401; error: 'invalid_token' };

export interface PushReceiptDependencies {
  ledger: RequestLedger;
  pending: PendingPushes;
  delivery: ResultDelivery;
  logger: Logger;
}

/**
 * The provider's client notification (CIBA §10.3 push; a §10.2 ping is acknowledged and ignored),
 * authenticated by `Authorization: Bearer <client_notification_token>` against the hash the ledger
 * keeps. The outcome is stored before {@link receive} resolves (the caller then answers 204) and
 * published to the device afterwards; a repeated push, or one for a cancelled or expired request,
 * is acknowledged and never delivered (again). A token response the provider did not encrypt is
 * never passed on.
 *
 * @example
 * const answer = await receipt.receive(req.headers.authorization, body); // { status: 204 }
 */
export class PushReceipt {
  constructor(private readonly deps: PushReceiptDependencies) {}

  async receive(authorization: string | undefined, body: Buffer): Promise<NotificationAnswer> {
    const token = bearerToken(authorization);
    if (token === undefined) return { status: 401, error: 'invalid_token' };
    const tokenHash = hashNotificationToken(token);
    const pending = await this.deps.pending.lookup(tokenHash);
    if (!pending || !notificationTokenHashesEqual(tokenHash, pending.tokenHash)) {
      return { status: 401, error: 'invalid_token' };
    }
    const notification = readNotification(body);
    if (!notification) return { status: 400, error: 'invalid_request', errorDescription: 'not a client notification' };
    if (pending.authReqId !== undefined && pending.authReqId !== notification.authReqId) {
      return { status: 400, error: 'invalid_request', errorDescription: 'auth_req_id does not match' };
    }
    let outcome: RelayOutcome;
    switch (notification.kind) {
      case 'ping':
        return { status: 204 };
      case 'tokens':
        outcome = { status: 'approved', encryptedTokenResponse: notification.encryptedTokenResponse };
        break;
      case 'error':
        outcome = errorOutcome(notification.error, notification.errorDescription);
        break;
      case 'unencrypted':
        this.deps.logger.warn('push with an unencrypted token response refused', { deviceId: pending.deviceId });
        outcome = errorOutcome('transaction_failed', 'the provider did not encrypt the token response');
        break;
    }
    const { deviceId, requestId } = pending;
    const stored = await this.deps.ledger.storeOutcome(deviceId, requestId, outcome, notification.authReqId);
    this.deps.pending.delete(tokenHash);
    if (stored) void this.deps.delivery.publishResult(deviceId, requestId, notification.authReqId, outcome);
    return { status: 204 };
  }
}
