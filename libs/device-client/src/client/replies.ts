import { decodeBridgeMessage, parseTopic, type ErrorMessage } from '@onboard/mqtt-contract';
import { reconnectDelay, DEFAULT_RECONNECT } from '../connection/backoff';
import { errorFromWire } from '../errors';
import { onAck, onStatus } from './operations/verification';
import { onResult } from './operations/result-ack';
import type { ClientSession } from './session';

/** What a reply may tell the application beyond the request it belongs to. */
export interface ReplyEvents {
  unclaimedResult(requestId: string): void;
}

/**
 * The one dispatcher of the bridge's replies (docs/protocol.md §3): the topic must be one of this
 * device's `replies/{type}` topics and the payload valid for its type before any operation sees it;
 * anything else is logged and ignored.
 */
export function dispatchReply(session: ClientSession, topic: string, payload: Buffer, events: ReplyEvents): void {
  const parsed = parseTopic(topic);
  if (!parsed || parsed.direction !== 'reply' || parsed.deviceId !== session.deviceId || !parsed.type) {
    session.logger.debug('message on an unexpected topic ignored', { deviceId: session.deviceId });
    return;
  }
  const decoded = decodeBridgeMessage(parsed.type, payload);
  if (!decoded.ok) {
    session.logger.warn('unreadable message from the bridge ignored', {
      deviceId: session.deviceId,
      type: parsed.type,
      problem: decoded.description,
    });
    return;
  }
  const message = decoded.message;
  switch (message.type) {
    case 'ack':
      return onAck(session, message);
    case 'status':
      return onStatus(session, message);
    case 'result':
      return void onResult(session, message, events);
    case 'error':
      return onProtocolError(session, message);
  }
}

/**
 * `replies/error` (docs/protocol.md §6.7): `temporarily_unavailable` is retried with the same
 * request id after a backoff delay, until the request's deadline; any other code ends the request.
 */
function onProtocolError(session: ClientSession, message: ErrorMessage): void {
  const { requestId } = message;
  if (requestId === null) {
    session.logger.warn('the bridge refused a message', { deviceId: session.deviceId, error: message.error });
    return;
  }
  const entry = session.requests.get(requestId);
  if (!entry) {
    // e.g. unknown_request for a cancel or a result-ack of a request already settled
    session.logger.debug('protocol error for a settled request', { requestId, error: message.error });
    return;
  }
  if (message.error === 'temporarily_unavailable') {
    // docs/protocol.md §7: retry later with the same request_id; the deadline timer still runs
    const delay = reconnectDelay(entry.retries++, session.options.reconnect ?? DEFAULT_RECONNECT, Math.random);
    session.logger.info('provider unavailable; request retried', { requestId, delayMs: delay });
    const timer = setTimeout(() => {
      if (session.requests.isCurrent(entry)) session.publish(entry);
    }, delay);
    // Node's timers keep the process alive; other runtimes' timers have no unref
    (timer as { unref?: () => void }).unref?.();
    return;
  }
  session.requests.fail(requestId, errorFromWire(message.error, message.errorDescription, requestId));
}
