import { DeviceClientError } from '../../errors';
import { signDpopProof } from '../../jwt/device-jwts';
import { openRefreshResult, type RefreshedTokens } from '../../tokens/verify-token-response';
import type { RefreshOptions } from '../device-client-options';
import type { PendingRefresh } from '../pending-requests';
import { cancelled, closed, invalidArgument, protocolError, timeout } from '../request-errors';
import type { ClientSession } from '../session';
import { abandonRequest } from './cancel';

/**
 * `requests/refresh` (docs/protocol.md §6.3): a refresh token exchanged over MQTT (RFC 6749 §6),
 * with a client assertion and a DPoP proof for the token endpoint (RFC 9449 §4), made fresh for
 * every publication so that a late retry is not refused as expired.
 */
export function refreshTokens(
  session: ClientSession,
  tokens: { refreshToken?: string; scope?: string } | string,
  options: RefreshOptions,
): Promise<RefreshedTokens> {
  const refreshToken = typeof tokens === 'string' ? tokens : tokens.refreshToken;
  if (!refreshToken) return Promise.reject(invalidArgument('no refresh token to refresh with'));
  if (session.closed) return Promise.reject(closed());
  const requestId = globalThis.crypto.randomUUID();
  const abandon = (err: DeviceClientError) => abandonRequest(session, requestId, err);
  return new Promise<RefreshedTokens>((resolve, reject) => {
    const entry: PendingRefresh = {
      kind: 'refresh',
      requestId,
      scope: typeof tokens === 'string' ? '' : (tokens.scope ?? ''),
      retries: 0,
      payload: async () => {
        const now = session.now();
        const { providerIssuer: issuer, tokenEndpoint } = session.options;
        try {
          const clientAssertion = await session.clientAssertion(now);
          const dpop = await signDpopProof(session.options.keys, {
            htm: 'POST',
            htu: tokenEndpoint ?? `${issuer.replace(/\/+$/, '')}/token`,
            now,
          });
          return await session.seal({ type: 'refresh', requestId, refreshToken, clientAssertion, dpop });
        } catch (err) {
          if (err instanceof DeviceClientError) throw err;
          throw new DeviceClientError('key_store_error', 'the request could not be signed', { cause: err });
        }
      },
      openTokens: async (message) => {
        if (message.status !== 'refreshed') throw protocolError(requestId, `unexpected status ${message.status}`);
        return openRefreshResult(message.encryptedTokenResponse, session.verificationContext(entry));
      },
      resolve,
      reject,
    };
    session.requests.add(entry);
    entry.timer = setTimeout(
      () => abandon(timeout(requestId, 'no refresh result arrived in time')),
      options.timeoutMs ?? 60_000,
    );
    const signal = options.signal;
    if (signal) {
      const onAbort = () => abandon(cancelled(requestId, signal.reason));
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      const off = () => signal.removeEventListener('abort', onAbort);
      entry.resolve = (t) => (off(), resolve(t));
      entry.reject = (e) => (off(), reject(e));
    }
    session.publish(entry);
  });
}
