import type { Clock, Logger } from '@onboard/platform';
import type { AckMessage } from '@onboard/mqtt-contract';
import type { DevicePublisher } from '../ports/device-publisher.port';
import type { RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';
import { resultMessage } from '../relay/provider-outcome';
import { ackMessage } from '../relay/replies';
import type { RequestLedger } from '../relay/request-ledger';

export interface ResultDeliveryDependencies {
  ledger: RequestLedger;
  publisher: DevicePublisher;
  clock: Clock;
  logger: Logger;
}

/**
 * Delivery of stored results to devices (docs/protocol.md §5, §6.6). A result is always in
 * the ledger before it is published; a device that is offline, or misses the publication, gets it
 * again from the ledger when it subscribes, until it confirms it with `requests/result-ack`.
 *
 * @example
 * const delivery = new ResultDelivery({ ledger, publisher, clock, logger });
 * broker.onRepliesSubscribed(({ deviceId }) => delivery.redeliver(deviceId));
 */
export class ResultDelivery {
  constructor(private readonly deps: ResultDeliveryDependencies) {}

  /**
   * Publishes a stored outcome to a connected device, after the acknowledgement when the push
   * overtook the provider's answer. Never throws: a failed publication is logged and the result
   * waits in the ledger for the device's next subscription.
   */
  async publishResult(
    deviceId: string,
    requestId: string,
    authReqId: string | undefined,
    outcome: RelayOutcome,
  ): Promise<void> {
    try {
      await this.deps.ledger.settled(deviceId, requestId);
      if (!this.deps.publisher.isConnected(deviceId)) return;
      await this.deps.publisher.publish(
        deviceId,
        resultMessage({ requestId, authReqId, outcome } as RelayRecord & { outcome: RelayOutcome }),
      );
    } catch (err) {
      this.deps.logger.error('result publish failed', {
        deviceId,
        requestId,
        error: err instanceof Error ? err.message : 'unknown',
      });
    }
  }

  /**
   * Publishes every stored result the device has not confirmed yet; called when the device
   * subscribes (or reconnects with its subscription). Returns how many were published.
   */
  async redeliver(deviceId: string): Promise<number> {
    const records = await this.deps.ledger.undelivered(deviceId);
    for (const record of records) {
      if (record.outcome)
        await this.deps.publisher.publish(deviceId, resultMessage({ ...record, outcome: record.outcome }));
    }
    if (records.length > 0) this.deps.logger.debug('results redelivered', { deviceId, count: records.length });
    return records.length;
  }

  /** The acknowledgement of an acknowledged entry again, with the time it has left (at least 1 s). */
  storedAck(record: RelayRecord): AckMessage | undefined {
    if (record.authReqId === undefined || record.authExpiresAt === undefined) return undefined;
    const expiresIn = Math.max(1, Math.ceil((record.authExpiresAt - this.deps.clock.now()) / 1000));
    return ackMessage(record.requestId, record.authReqId, expiresIn);
  }
}
