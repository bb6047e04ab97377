import type { Clock, Logger } from '@onboard/platform';
import type { BridgeMessage, VerificationRequestMessage } from '@onboard/mqtt-contract';
import type { ResultDelivery } from '../delivery/result-delivery';
import { hashNotificationToken } from '../notify/notification-token';
import type { DevicePublisher } from '../ports/device-publisher.port';
import type { ProviderClient } from '../ports/provider-client.port';
import type { RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';
import { callProvider } from '../relay/call-provider';
import { fingerprint } from '../relay/fingerprint';
import { notificationTokenOf } from '../relay/notification-token-of';
import type { PendingPushes } from '../relay/pending-pushes';
import { errorOutcome, resultMessage } from '../relay/provider-outcome';
import { ackMessage, cancelledStatus, protocolError, reused, unavailable } from '../relay/replies';
import type { RequestLedger } from '../relay/request-ledger';
import type { DeviceMessageHandler } from './device-message-handler';

export interface VerificationHandlerDependencies {
  ledger: RequestLedger;
  pending: PendingPushes;
  delivery: ResultDelivery;
  provider: ProviderClient;
  publisher: DevicePublisher;
  clock: Clock;
  logger: Logger;
}

/**
 * `requests/verification` (docs/protocol.md §6.1): the device's signed request object and client
 * assertion are relayed unchanged to the backchannel authentication endpoint (CIBA §7.1), once per
 * request id: the ledger entry is claimed before the provider is called, and a repeat gets the
 * stored answer. The acknowledgement (CIBA §7.3) is published to `replies/ack` here; a refusal is
 * returned for `replies/result`. The push that ends the request arrives at {@link PushReceipt}.
 *
 * @example
 * const reply = await verification.handle('hu-7f3a', message); // undefined: the ack was published
 */
export class VerificationHandler implements DeviceMessageHandler<VerificationRequestMessage> {
  constructor(private readonly deps: VerificationHandlerDependencies) {}

  async handle(deviceId: string, message: VerificationRequestMessage): Promise<BridgeMessage | undefined> {
    const token = notificationTokenOf(deviceId, message);
    if (!token.ok) return protocolError(message.requestId, 'invalid_message', token.problem);
    const tokenHash = hashNotificationToken(token.value);
    const contentHash = fingerprint(message.request);
    const claim = await this.deps.ledger.claim({
      deviceId,
      requestId: message.requestId,
      kind: 'verification',
      fingerprint: contentHash,
      notificationTokenHash: tokenHash,
    });
    switch (claim.outcome) {
      case 'token_in_use':
        return protocolError(
          message.requestId,
          'invalid_message',
          'client_notification_token was used by another request; use a fresh one per request',
        );
      case 'exists':
        if (claim.record.kind !== 'verification' || claim.record.fingerprint !== contentHash) return reused(message);
        return this.replay(claim.record, message);
      case 'created':
        return this.relay(deviceId, message, tokenHash);
    }
  }

  private async relay(
    deviceId: string,
    message: VerificationRequestMessage,
    tokenHash: string,
  ): Promise<BridgeMessage | undefined> {
    const { ledger, pending, logger } = this.deps;
    const { requestId } = message;
    const done = ledger.begin(deviceId, requestId);
    pending.track({ deviceId, requestId, tokenHash });
    try {
      const answer = await callProvider(this.deps, { deviceId, requestId, tokenHash }, () =>
        this.deps.provider.backchannelAuthentication({
          clientId: deviceId,
          request: message.request,
          clientAssertion: message.clientAssertion,
        }),
      );
      if (answer === 'unavailable') return unavailable(requestId);
      if (answer.ok) {
        const { authReqId, expiresIn } = answer.value;
        const authExpiresAt = this.deps.clock.now() + expiresIn * 1000;
        // from here on the entry expires even if recording the acknowledgement fails
        pending.acknowledged(tokenHash, { authReqId, authExpiresAt });
        const record = await ledger.acknowledge(deviceId, requestId, { authReqId, authExpiresAt });
        logger.debug('verification acknowledged', { deviceId, requestId });
        if (record && record.state !== 'cancelled') {
          await this.deps.publisher.publish(deviceId, ackMessage(requestId, authReqId, expiresIn));
        }
        return undefined;
      }
      pending.delete(tokenHash);
      const outcome = errorOutcome(answer.error, answer.errorDescription);
      await ledger.storeOutcome(deviceId, requestId, outcome);
      logger.info('verification refused by the provider', { deviceId, requestId, error: answer.error });
      return resultMessage({ requestId, outcome } as RelayRecord & { outcome: RelayOutcome });
    } finally {
      done();
    }
  }

  /** A repeat of a claimed request: the stored answer, or a new relay if the first one was lost. */
  private async replay(record: RelayRecord, message: VerificationRequestMessage): Promise<BridgeMessage | undefined> {
    const { deviceId, requestId } = record;
    switch (record.state) {
      case 'relayed': {
        const running = this.deps.ledger.settled(deviceId, requestId);
        if (running) {
          await running;
          // released after a transient failure: this repeat is a retry and relays anew
          const current = await this.deps.ledger.find(deviceId, requestId);
          return current ? this.replay(current, message) : this.handle(deviceId, message);
        }
        // left by a bridge that stopped while relaying: the provider's answer was lost, relay again
        this.deps.logger.warn('verification relayed again after an interrupted relay', { deviceId, requestId });
        return this.relay(deviceId, message, record.notificationTokenHash ?? '');
      }
      case 'acknowledged':
        return this.deps.delivery.storedAck(record);
      case 'result_ready':
      case 'delivered': {
        const ack = this.deps.delivery.storedAck(record);
        if (ack) await this.deps.publisher.publish(deviceId, ack);
        return record.outcome ? resultMessage({ ...record, outcome: record.outcome }) : undefined;
      }
      case 'cancelled':
        return cancelledStatus(record);
    }
  }
}
