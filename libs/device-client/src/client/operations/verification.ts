import type { AckMessage, StatusMessage } from '@onboard/mqtt-contract';
import { DeviceClientError } from '../../errors';
import { encryptRequestObject, signRequestObject, type AuthenticationRequestParams } from '../../jwt/device-jwts';
import { openVerificationResult, type VerifiedTokens } from '../../tokens/verify-token-response';
import type { OwnerVerificationRequest } from '../device-client-options';
import type { PendingVerification } from '../pending-requests';
import { cancelled, closed, invalidArgument, protocolError, timeout } from '../request-errors';
import type { ClientSession } from '../session';
import { VerificationHandle } from '../verification-handle';
import { abandonRequest } from './cancel';

/**
 * `requests/verification` (docs/protocol.md §6.1): asks the owner through the bridge, and the
 * replies that belong to it, `replies/ack` (§6.4) and `replies/status` (§6.5).
 */

/** A signed (and encrypted) request object with the notification token inside it. */
interface BuiltRequestObject {
  request: string;
  clientNotificationToken: string;
}

/**
 * Starts a verification: checks the request, registers it, arms the acknowledgement deadline and
 * the abort signal, and publishes it when online. @throws DeviceClientError synchronously
 */
export function requestOwnerVerification(
  session: ClientSession,
  request: OwnerVerificationRequest,
): VerificationHandle {
  checkVerificationRequest(request);
  if (session.closed) throw closed();
  const requestId = globalThis.crypto.randomUUID();
  const abandon = (err: DeviceClientError) => abandonRequest(session, requestId, err);
  const handle = new VerificationHandle(requestId, (h) => abandon(cancelled(h.requestId)));
  const params: AuthenticationRequestParams = {
    scope: request.scope,
    loginHint: request.loginHint,
    idTokenHint: request.idTokenHint,
    loginHintToken: request.loginHintToken,
    bindingMessage: request.bindingMessage,
    userCode: request.userCode,
    requestedExpiry: request.requestedExpiry,
    authorizationDetails: request.authorizationDetails,
    acrValues: request.acrValues,
  };
  // The signed request object is made once, at the first publication, and then kept: the bridge
  // identifies a verification by it (docs/protocol.md §5).
  let requestObject: Promise<BuiltRequestObject> | undefined;
  const entry: PendingVerification = {
    kind: 'verification',
    requestId,
    scope: request.scope,
    handle,
    published: false,
    retries: 0,
    payload: async () => {
      const now = session.now();
      try {
        const clientAssertion = await session.clientAssertion(now);
        requestObject ??= buildRequestObject(session, params, now);
        const built = requestObject;
        const { request: signed, clientNotificationToken } = await built.catch((err: unknown) => {
          // not kept: the next publication tries again (a JWKS fetch may work then)
          if (requestObject === built) requestObject = undefined;
          throw err;
        });
        return await session.seal({
          type: 'verification',
          requestId,
          request: signed,
          clientAssertion,
          clientNotificationToken,
        });
      } catch (err) {
        if (err instanceof DeviceClientError) throw err;
        throw new DeviceClientError('key_store_error', 'the request could not be signed', { cause: err });
      }
    },
    openTokens: async (message) => {
      if (message.status !== 'approved') throw protocolError(requestId, `unexpected status ${message.status}`);
      // the auth_req_id the ID token must carry is the acknowledged one (CIBA §10.3.1)
      const acked = handle.authReqId;
      if (acked !== undefined && message.authReqId !== undefined && acked !== message.authReqId) {
        throw protocolError(requestId, 'the result names another auth_req_id than the acknowledgement');
      }
      return openVerificationResult(
        message.encryptedTokenResponse,
        acked ?? message.authReqId,
        session.verificationContext(entry),
      );
    },
    resolve: (tokens) => handle.resolve(tokens as VerifiedTokens),
    reject: (err) => handle.reject(err),
  };
  session.requests.add(entry);
  entry.timer = setTimeout(
    () => abandon(timeout(requestId, 'no acknowledgement arrived in time')),
    session.options.ackTimeoutMs ?? 60_000,
  );
  const signal = request.signal;
  if (signal) {
    if (signal.aborted) abandon(cancelled(requestId, signal.reason));
    else {
      const onAbort = () => abandon(cancelled(requestId, signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      void handle.result.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
    }
  }
  if (!handle.settled) session.publish(entry);
  return handle;
}

/** `replies/ack`: the provider accepted the request (CIBA §7.3); its `expires_in` sets the result deadline. */
export function onAck(session: ClientSession, message: AckMessage): void {
  const entry = session.requests.get(message.requestId);
  if (entry?.kind !== 'verification' || entry.handle.authReqId !== undefined) return; // repeats are expected
  entry.handle.acknowledge({ authReqId: message.authReqId, expiresIn: message.expiresIn });
  clearTimeout(entry.timer);
  entry.timer = setTimeout(
    () =>
      abandonRequest(
        session,
        entry.requestId,
        timeout(entry.requestId, 'no result arrived before the request expired'),
      ),
    message.expiresIn * 1000 + (session.options.resultGraceMs ?? 30_000),
  );
}

/** `replies/status`: information only; `cancelled` answers our own cancel, already settled. */
export function onStatus(session: ClientSession, message: StatusMessage): void {
  const entry = session.requests.get(message.requestId);
  if (entry?.kind !== 'verification' || message.status === 'cancelled') return;
  entry.handle.changeStatus(message.status);
}

/** Signs the request object and, when the provider has a key for it, encrypts it to the provider (RFC 9101 §6.1). */
async function buildRequestObject(
  session: ClientSession,
  params: AuthenticationRequestParams,
  now: number,
): Promise<BuiltRequestObject> {
  const signed = await signRequestObject(session.options.keys, {
    deviceId: session.deviceId,
    issuer: session.options.providerIssuer,
    now,
    lifetimeSeconds: session.options.requestObjectLifetimeSeconds ?? 600,
    params,
  });
  const providerKey = await session.requestObjectKey();
  const request = providerKey ? await encryptRequestObject(signed.request, providerKey) : signed.request;
  return { request, clientNotificationToken: signed.clientNotificationToken };
}

function checkVerificationRequest(r: OwnerVerificationRequest): void {
  const hints = [r.loginHint, r.idTokenHint, r.loginHintToken].filter((h) => h !== undefined);
  // CIBA §7.1: exactly one hint
  if (hints.length !== 1 || hints[0] === '') {
    throw invalidArgument('give exactly one of loginHint, idTokenHint and loginHintToken');
  }
  if (typeof r.scope !== 'string' || !r.scope.split(' ').includes('openid')) {
    throw invalidArgument('scope must include openid (CIBA §7.1)');
  }
  if (typeof r.bindingMessage !== 'string' || r.bindingMessage === '') {
    throw invalidArgument('bindingMessage is required');
  }
  if (r.requestedExpiry !== undefined && (!Number.isSafeInteger(r.requestedExpiry) || r.requestedExpiry <= 0)) {
    throw invalidArgument('requestedExpiry must be a positive integer');
  }
}
