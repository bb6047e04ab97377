import { MAX_ERROR_DESCRIPTION_LENGTH } from './limits';
import type { BridgeMessage, DeviceMessage } from './messages';

/**
 * Encoders: camelCase messages to their snake_case JSON wire form (docs/protocol.md).
 * Members that are undefined are left out; `error_description` is cut to
 * {@link MAX_ERROR_DESCRIPTION_LENGTH}.
 */

/**
 * The wire payload of a message a device publishes.
 * @example encodeDeviceMessage({ type: 'cancel', requestId: 'r1' }) // Buffer of '{"request_id":"r1"}'
 */
export function encodeDeviceMessage(message: DeviceMessage): Buffer {
  switch (message.type) {
    case 'verification':
      return json({
        request_id: message.requestId,
        request: message.request,
        client_assertion: message.clientAssertion,
        client_notification_token: message.clientNotificationToken,
      });
    case 'cancel':
    case 'result-ack':
      return json({ request_id: message.requestId });
    case 'refresh':
      return json({
        request_id: message.requestId,
        refresh_token: message.refreshToken,
        client_assertion: message.clientAssertion,
        dpop: message.dpop,
      });
  }
}

/**
 * The wire payload of a message the bridge publishes to a device.
 * @example encodeBridgeMessage({ type: 'ack', requestId: 'r1', authReqId: 'a', expiresIn: 120 })
 */
export function encodeBridgeMessage(message: BridgeMessage): Buffer {
  switch (message.type) {
    case 'ack':
      return json({ request_id: message.requestId, auth_req_id: message.authReqId, expires_in: message.expiresIn });
    case 'status':
      return json({ request_id: message.requestId, status: message.status, auth_req_id: message.authReqId });
    case 'result':
      return 'encryptedTokenResponse' in message
        ? json({
            request_id: message.requestId,
            auth_req_id: message.authReqId,
            status: message.status,
            encrypted_token_response: message.encryptedTokenResponse,
          })
        : json({
            request_id: message.requestId,
            auth_req_id: message.authReqId,
            status: message.status,
            error: message.error,
            error_description: cut(message.errorDescription),
          });
    case 'error':
      return json({
        request_id: message.requestId,
        error: message.error,
        error_description: cut(message.errorDescription),
      });
  }
}

function cut(description: string | undefined): string | undefined {
  return description === undefined ? undefined : description.slice(0, MAX_ERROR_DESCRIPTION_LENGTH);
}

function json(members: Record<string, unknown>): Buffer {
  return Buffer.from(JSON.stringify(members));
}
