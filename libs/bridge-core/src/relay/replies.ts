import type { AckMessage, BridgeMessage, ErrorMessage } from '@onboard/mqtt-contract';
import type { RelayRecord } from '../ports/relay-ledger.port';

/** The `replies/ack` message (CIBA §7.3, in the device protocol's shape). */
export function ackMessage(requestId: string, authReqId: string, expiresIn: number): AckMessage {
  return { type: 'ack', requestId, authReqId, expiresIn };
}

/** An error on `replies/error` (docs/protocol.md §8). */
export function protocolError(
  requestId: string | null,
  error: ErrorMessage['error'],
  errorDescription: string,
): ErrorMessage {
  return { type: 'error', requestId, error, errorDescription };
}

/** A request id already used for other content (docs/protocol.md, "Idempotency"). */
export function reused(message: { requestId: string }): ErrorMessage {
  return protocolError(message.requestId, 'request_id_reused', 'request_id was already used for another request');
}

/** The provider could not be reached: the device retries with the same request id. */
export function unavailable(requestId: string): ErrorMessage {
  return protocolError(
    requestId,
    'temporarily_unavailable',
    'the provider cannot be reached; retry later with the same request_id',
  );
}

/** The `replies/status` message of a cancelled verification. */
export function cancelledStatus(record: Pick<RelayRecord, 'requestId' | 'authReqId'>): BridgeMessage {
  return {
    type: 'status',
    requestId: record.requestId,
    status: 'cancelled',
    ...(record.authReqId === undefined ? {} : { authReqId: record.authReqId }),
  };
}
