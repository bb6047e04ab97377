import { createHash } from 'node:crypto';
import type { AuthenticatedDevice } from '../broker/device-authenticator';
import type { BridgeMessage, CancelMessage, RefreshMessage, VerificationRequestMessage } from '@onboard/mqtt-contract';
import type { RequestLedger } from './request-ledger';

/**
 * The bridge's side of a verification: idempotency by request id, cancellation, and (next step)
 * the relay of the device's own signed request to the provider's backchannel authentication
 * endpoint (CIBA §7.1), with results received by ping or push (CIBA §10.2, §10.3).
 */
export class VerificationRelay {
  constructor(private readonly ledger: RequestLedger) {}

  /** A verification request: answered once per request id; repeats get the same answer. */
  async request(device: AuthenticatedDevice, message: VerificationRequestMessage): Promise<BridgeMessage> {
    const claim = this.ledger.claim(
      device.deviceId,
      message.requestId,
      fingerprint(message.request, message.clientAssertion),
    );
    switch (claim.kind) {
      case 'repeat':
        return claim.reply;
      case 'conflict':
        return error(message.requestId, 'request_id_reused', 'request_id was already used for another request');
      case 'new': {
        // STUB until the relay to the provider exists: every new request is answered with
        // `not_implemented` instead of an acknowledgement. Nothing is sent to the provider.
        const reply = error(
          message.requestId,
          'not_implemented',
          'owner verification is not available on this bridge yet',
        );
        claim.settle(reply);
        return reply;
      }
    }
  }

  /** Cancels a verification request of this device; `unknown_request` when the id is unknown. */
  async cancel(device: AuthenticatedDevice, message: CancelMessage): Promise<BridgeMessage> {
    if (!this.ledger.cancel(device.deviceId, message.requestId)) {
      return error(message.requestId, 'unknown_request', 'no verification request with this request_id');
    }
    return { type: 'status', requestId: message.requestId, status: 'cancelled' };
  }

  /** A token refresh (RFC 6749 §6) relayed to the token endpoint: next step. */
  async refresh(_device: AuthenticatedDevice, message: RefreshMessage): Promise<BridgeMessage> {
    // STUB until the relay to the provider exists.
    return error(message.requestId, 'not_implemented', 'token refresh is not available on this bridge yet');
  }
}

function error(
  requestId: string,
  code: 'not_implemented' | 'request_id_reused' | 'unknown_request',
  description: string,
): BridgeMessage {
  return { type: 'error', requestId, error: code, errorDescription: description };
}

function fingerprint(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('base64url');
}
