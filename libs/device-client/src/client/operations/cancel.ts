import type { DeviceClientError } from '../../errors';
import type { ClientSession } from '../session';

/**
 * Gives up on a request (`cancel()`, its `AbortSignal`, a deadline): the caller gets `err` at
 * once, and a verification the bridge may know is withdrawn with `requests/cancel`
 * (docs/protocol.md §6.2: no result is delivered after a cancellation). A refresh cannot be
 * cancelled at the bridge (§6.3); its result, if one comes, is only confirmed.
 */
export function abandonRequest(session: ClientSession, requestId: string, err: DeviceClientError): void {
  const entry = session.requests.take(requestId);
  if (!entry) return;
  entry.reject(err);
  if (entry.kind === 'verification' && entry.published) {
    session.control.send({ type: 'cancel', requestId });
  }
}
