import type { ResultMessage } from '@onboard/mqtt-contract';
import { DeviceClientError, errorFromWire } from '../../errors';
import type { RefreshedTokens, VerifiedTokens } from '../../tokens/verify-token-response';
import type { ClientSession } from '../session';

/**
 * `replies/result` (docs/protocol.md §6.6) and its confirmation `requests/result-ack` (§6.8):
 * the result of a request in flight is opened and handed to the caller once; every copy, a
 * redelivery or a result this client never asked for, is confirmed, so the bridge stops sending it.
 */
export async function onResult(
  session: ClientSession,
  message: ResultMessage,
  events: { unclaimedResult(requestId: string): void },
): Promise<void> {
  const { requestId } = message;
  // taken out before any await: a redelivery arriving meanwhile is only acknowledged
  const entry = session.requests.take(requestId);
  if (!entry) {
    if (session.requests.wasSettled(requestId)) {
      session.logger.debug('repeated result confirmed again', { requestId });
    } else {
      session.logger.warn('result for an unknown request acknowledged and dropped', { requestId });
      session.requests.remember(requestId);
      events.unclaimedResult(requestId);
    }
    // a redelivery: the earlier result-ack may not have arrived, so confirm again
    return acknowledgeResult(session, requestId);
  }
  let outcome: VerifiedTokens | RefreshedTokens | DeviceClientError;
  if (!('encryptedTokenResponse' in message)) {
    outcome = errorFromWire(message.error, message.errorDescription, requestId);
  } else {
    outcome = await entry.openTokens(message).catch((err: unknown) =>
      err instanceof DeviceClientError
        ? err
        : new DeviceClientError('invalid_token_response', 'the result could not be processed', {
            cause: err,
            requestId,
          }),
    );
  }
  if (outcome instanceof DeviceClientError) {
    session.logger.info('request failed', { requestId, code: outcome.code });
    entry.reject(outcome);
  } else {
    session.logger.info(entry.kind === 'verification' ? 'owner verification succeeded' : 'tokens refreshed', {
      requestId,
    });
    entry.resolve(outcome);
  }
  acknowledgeResult(session, requestId);
}

/** `requests/result-ack`: published until the broker's PUBACK, also after a reconnect. */
export function acknowledgeResult(session: ClientSession, requestId: string): void {
  session.control.send({ type: 'result-ack', requestId });
}
