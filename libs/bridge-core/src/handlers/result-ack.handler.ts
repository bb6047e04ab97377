import type { ResultAckMessage } from '@onboard/mqtt-contract';
import type { RequestLedger } from '../relay/request-ledger';
import type { DeviceMessageHandler } from './device-message-handler';

/**
 * `requests/result-ack` (docs/protocol.md §6.8): the device has processed a result, which is not
 * redelivered any more (`result_ready` → `delivered`). Never answered, not even when the request
 * id is unknown, so that a result-ack can be repeated freely.
 *
 * @example
 * await resultAck.handle('hu-7f3a', { type: 'result-ack', requestId: 'r1' }); // undefined
 */
export class ResultAckHandler implements DeviceMessageHandler<ResultAckMessage> {
  constructor(private readonly deps: { ledger: RequestLedger }) {}

  async handle(deviceId: string, message: ResultAckMessage): Promise<undefined> {
    await this.deps.ledger.markDelivered(deviceId, message.requestId);
    return undefined;
  }
}
