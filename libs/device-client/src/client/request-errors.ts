import { DeviceClientError } from '../errors';

/** The errors the operations raise themselves (the wire's arrive through `errorFromWire`). */

export function invalidArgument(message: string): DeviceClientError {
  return new DeviceClientError('invalid_argument', message);
}

export function cancelled(requestId: string, cause?: unknown): DeviceClientError {
  return new DeviceClientError('cancelled', 'the request was cancelled', { requestId, cause });
}

export function timeout(requestId: string, message: string): DeviceClientError {
  return new DeviceClientError('timeout', message, { requestId });
}

export function protocolError(requestId: string, message: string): DeviceClientError {
  return new DeviceClientError('protocol_error', message, { requestId });
}

export function closed(requestId?: string): DeviceClientError {
  return requestId === undefined
    ? new DeviceClientError('closed', 'the client is closed')
    : new DeviceClientError('closed', 'the client was closed', { requestId });
}
