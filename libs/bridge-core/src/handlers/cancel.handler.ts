import type { BridgeMessage, CancelMessage } from '@onboard/mqtt-contract';
import type { PendingPushes } from '../relay/pending-pushes';
import { cancelledStatus, protocolError } from '../relay/replies';
import type { RequestLedger } from '../relay/request-ledger';
import type { DeviceMessageHandler } from './device-message-handler';

/**
 * `requests/cancel` (docs/protocol.md §6.2): the device stops waiting for one of its verification
 * requests; a later result is never delivered. CIBA has no cancellation at the provider, so the
 * auth request runs out there. A refresh is not cancellable (it ends with its result); an unknown
 * request id gets `unknown_request`.
 *
 * @example
 * await cancel.handle('hu-7f3a', { type: 'cancel', requestId: 'r1' }); // { type: 'status', status: 'cancelled', … }
 */
export class CancelHandler implements DeviceMessageHandler<CancelMessage> {
  constructor(private readonly deps: { ledger: RequestLedger; pending: PendingPushes }) {}

  async handle(deviceId: string, message: CancelMessage): Promise<BridgeMessage> {
    const known = await this.deps.ledger.find(deviceId, message.requestId);
    const record =
      known?.kind === 'verification' ? await this.deps.ledger.cancel(deviceId, message.requestId) : undefined;
    if (!record) {
      return protocolError(message.requestId, 'unknown_request', 'no verification request with this request_id');
    }
    if (record.notificationTokenHash !== undefined) this.deps.pending.delete(record.notificationTokenHash);
    return cancelledStatus(record);
  }
}
