import type { Clock, Logger } from '@onboard/platform';
import type {
  AckMessage,
  BridgeMessage,
  CancelMessage,
  ErrorMessage,
  RefreshMessage,
  ResultAckMessage,
  VerificationRequestMessage,
} from '@onboard/mqtt-contract';
import type { DevicePublisher } from '../ports/device-publisher.port';
import { ProviderUnavailableError, type ProviderClient } from '../ports/provider-client.port';
import type { RelayLedger, RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';
import { bearerToken, hashNotificationToken, notificationTokenHashesEqual } from '../notify/notification-token';
import { readNotification } from '../notify/read-notification';
import { fingerprint } from './fingerprint';
import { errorOutcome, resultMessage } from './provider-outcome';
import { readRequestObject } from './read-request-object';

/** What the relay needs from outside. */
export interface BridgeRelayDependencies {
  relays: RelayLedger;
  provider: ProviderClient;
  publisher: DevicePublisher;
  clock: Clock;
  logger: Logger;
  /** How long ledger entries are kept after their last change. Default 24 hours. */
  retentionMs?: number;
  /**
   * How long past an auth request's expiry (its `expires_in`) the relay still waits for the
   * provider's push before it tells the device `expired` itself. The provider pushes
   * `expired_token` when a request expires (CIBA §12); this covers the push that never comes
   * (provider down, push lost). Default 60 seconds.
   */
  pushGraceMs?: number;
  /** How often requests waiting for a push are checked for expiry. Default 30 seconds. */
  expiryCheckIntervalMs?: number;
}

/** The answer to the provider's client notification (CIBA §10.2, §10.3). */
export type NotificationAnswer =
  | { status: 204 }
  | { status: 400; error: 'invalid_request'; errorDescription: string }
  | { status: 401; error: 'invalid_token' };

/** A request whose push may arrive: found by the hash of its notification token. */
interface PendingPush {
  deviceId: string;
  requestId: string;
  tokenHash: string;
  authReqId?: string;
  /** When the auth request expires at the provider (ms); unset until the provider has answered. */
  authExpiresAt?: number;
}

/** Default retention of ledger entries. */
export const DEFAULT_RELAY_RETENTION_MS = 24 * 60 * 60_000;
/** Default wait for the provider's push past an auth request's expiry. */
export const DEFAULT_PUSH_GRACE_MS = 60_000;
/** Default period of the expiry check of requests waiting for a push. */
export const DEFAULT_EXPIRY_CHECK_INTERVAL_MS = 30_000;

/**
 * The bridge's relay between devices and the provider (docs/protocol.md). Every device message
 * goes through the request ledger first, so a repeated or redelivered request never creates a
 * second auth request: it gets the stored acknowledgement or result again.
 *
 * - Verification: the device's signed request object and client assertion are relayed unchanged
 *   to the backchannel authentication endpoint (CIBA §7.1); the acknowledgement (CIBA §7.3) goes
 *   to `replies/ack`, a refusal to `replies/result`.
 * - Push (CIBA §10.3): authenticated by the request's `client_notification_token` (stored hashed),
 *   the encrypted token response or error is stored before the provider gets its 204, then
 *   published to `replies/result` (after the acknowledgement, when both race).
 * - Results are redelivered on every (re)subscription until the device sends `result-ack`.
 * - Refresh (RFC 6749 §6) is relayed to the token endpoint, its result goes to `replies/result`.
 * - Cancellation stops delivery of a later result (CIBA has no cancel at the provider).
 * - A request whose push has not come by its expiry plus a grace period ends with an `expired`
 *   result (`expired_token`), stored and delivered like a pushed one: one timer, unref'd, runs
 *   only while requests wait for a push; {@link BridgeRelay.close} stops it.
 *
 * @example
 * const relay = new BridgeRelay({ relays: store.relays, provider, publisher, clock, logger });
 * const reply = await relay.verification('hu-7f3a', message); // undefined: the ack was published
 * relay.close(); // on shutdown
 */
export class BridgeRelay {
  /** Verification relays in progress in this process, by ledger key; resolved after the ack is published. */
  private readonly inflight = new Map<string, Promise<void>>();
  /** Requests awaiting a push, by token hash: saves the push path a database read. */
  private readonly pendingPushes = new Map<string, PendingPush>();
  private readonly retentionMs: number;
  private readonly pushGraceMs: number;
  private readonly expiryCheckIntervalMs: number;
  /** The expiry check of pendingPushes: armed while it is not empty, never after close(). */
  private expiryTimer?: NodeJS.Timeout;
  private expiring?: Promise<number>;
  private closed = false;

  constructor(private readonly deps: BridgeRelayDependencies) {
    this.retentionMs = deps.retentionMs ?? DEFAULT_RELAY_RETENTION_MS;
    this.pushGraceMs = deps.pushGraceMs ?? DEFAULT_PUSH_GRACE_MS;
    this.expiryCheckIntervalMs = deps.expiryCheckIntervalMs ?? DEFAULT_EXPIRY_CHECK_INTERVAL_MS;
  }

  /** `requests/verification`: relay once per request id; repeats get the stored answer. */
  async verification(deviceId: string, message: VerificationRequestMessage): Promise<BridgeMessage | undefined> {
    const token = notificationTokenOf(deviceId, message);
    if (!token.ok) return protocolError(message.requestId, 'invalid_message', token.problem);
    const tokenHash = hashNotificationToken(token.value);
    const contentHash = fingerprint(message.request);
    const claim = await this.deps.relays.claim({
      deviceId,
      requestId: message.requestId,
      kind: 'verification',
      fingerprint: contentHash,
      notificationTokenHash: tokenHash,
      createdAt: this.deps.clock.now(),
    });
    switch (claim.outcome) {
      case 'token_in_use':
        return protocolError(
          message.requestId,
          'invalid_message',
          'client_notification_token was used by another request; use a fresh one per request',
        );
      case 'exists':
        if (claim.record.kind !== 'verification' || claim.record.fingerprint !== contentHash) return reused(message);
        return this.replayVerification(claim.record, message);
      case 'created':
        return this.relayVerification(deviceId, message, tokenHash);
    }
  }

  /** `requests/cancel`: a later result of the request is not delivered. */
  async cancel(deviceId: string, message: CancelMessage): Promise<BridgeMessage> {
    const known = await this.deps.relays.find(deviceId, message.requestId);
    // a refresh is not cancellable: it ends with its result
    const record =
      known?.kind === 'verification'
        ? await this.deps.relays.cancel(deviceId, message.requestId, this.deps.clock.now())
        : undefined;
    if (!record) {
      return protocolError(message.requestId, 'unknown_request', 'no verification request with this request_id');
    }
    if (record.notificationTokenHash !== undefined) this.pendingPushes.delete(record.notificationTokenHash);
    return {
      type: 'status',
      requestId: message.requestId,
      status: 'cancelled',
      ...(record.authReqId === undefined ? {} : { authReqId: record.authReqId }),
    };
  }

  /** `requests/refresh`: relayed once per request id to the token endpoint; repeats get the stored result. */
  async refresh(deviceId: string, message: RefreshMessage): Promise<BridgeMessage | undefined> {
    const contentHash = fingerprint(message.refreshToken);
    const claim = await this.deps.relays.claim({
      deviceId,
      requestId: message.requestId,
      kind: 'refresh',
      fingerprint: contentHash,
      createdAt: this.deps.clock.now(),
    });
    if (claim.outcome === 'token_in_use') throw new Error('a refresh has no notification token');
    if (claim.outcome === 'exists') {
      if (claim.record.kind !== 'refresh' || claim.record.fingerprint !== contentHash) return reused(message);
      return this.replayRefresh(claim.record, message);
    }
    return this.relayRefresh(deviceId, message);
  }

  /** `requests/result-ack`: the device has the result; it is not redelivered any more. No answer. */
  async resultAck(deviceId: string, message: ResultAckMessage): Promise<undefined> {
    await this.deps.relays.markDelivered(deviceId, message.requestId, this.deps.clock.now());
    return undefined;
  }

  /**
   * Publishes every stored result the device has not confirmed yet; called when the device
   * subscribes (or reconnects with its subscription). Returns how many were published.
   */
  async redeliver(deviceId: string): Promise<number> {
    const records = await this.deps.relays.undelivered(deviceId);
    for (const record of records) {
      if (record.outcome)
        await this.deps.publisher.publish(deviceId, resultMessage({ ...record, outcome: record.outcome }));
    }
    if (records.length > 0) this.deps.logger.debug('results redelivered', { deviceId, count: records.length });
    return records.length;
  }

  /**
   * The provider's client notification (CIBA §10.3 push; a §10.2 ping is ignored). Authenticated
   * by `Authorization: Bearer <client_notification_token>`. The outcome is stored before this
   * resolves (the caller then answers 204), and published to the device afterwards.
   */
  async receiveNotification(authorization: string | undefined, body: Buffer): Promise<NotificationAnswer> {
    const token = bearerToken(authorization);
    if (token === undefined) return { status: 401, error: 'invalid_token' };
    const tokenHash = hashNotificationToken(token);
    const pending = this.pendingPushes.get(tokenHash) ?? (await this.findPendingPush(tokenHash));
    if (!pending || !notificationTokenHashesEqual(tokenHash, pending.tokenHash)) {
      return { status: 401, error: 'invalid_token' };
    }
    const notification = readNotification(body);
    if (!notification) return { status: 400, error: 'invalid_request', errorDescription: 'not a client notification' };
    if (pending.authReqId !== undefined && pending.authReqId !== notification.authReqId) {
      return { status: 400, error: 'invalid_request', errorDescription: 'auth_req_id does not match' };
    }
    let outcome: RelayOutcome;
    switch (notification.kind) {
      case 'ping':
        return { status: 204 };
      case 'tokens':
        outcome = { status: 'approved', encryptedTokenResponse: notification.encryptedTokenResponse };
        break;
      case 'error':
        outcome = errorOutcome(notification.error, notification.errorDescription);
        break;
      case 'unencrypted':
        this.deps.logger.warn('push with an unencrypted token response refused', { deviceId: pending.deviceId });
        outcome = errorOutcome('transaction_failed', 'the provider did not encrypt the token response');
        break;
    }
    const { deviceId, requestId } = pending;
    const stored = await this.deps.relays.storeOutcome(
      deviceId,
      requestId,
      outcome,
      this.deps.clock.now(),
      notification.authReqId,
    );
    this.pendingPushes.delete(tokenHash);
    // A repeated push, or a push for a cancelled request: acknowledged, never delivered (again).
    if (stored) void this.publishResult(deviceId, requestId, notification.authReqId, outcome);
    return { status: 204 };
  }

  /** Deletes ledger entries older than the retention time; returns how many. */
  sweep(): Promise<number> {
    return this.deps.relays.purge(this.deps.clock.now() - this.retentionMs);
  }

  /**
   * Ends every request still waiting for a push past its auth request's expiry plus the grace
   * period: the outcome `expired` (`expired_token`, docs/protocol.md 6.6) is stored in the ledger,
   * unless a push or a cancellation got there first, and published to the device (an offline
   * device gets it when it subscribes again). Runs on the relay's timer; returns how many
   * requests it ended. Concurrent calls share one pass.
   */
  expireOverduePushes(): Promise<number> {
    this.expiring ??= this.expireOverdue().finally(() => (this.expiring = undefined));
    return this.expiring;
  }

  /** Stops the expiry timer; requests still waiting stay in the ledger. */
  close(): void {
    this.closed = true;
    this.stopExpiryTimer();
  }

  private async relayVerification(
    deviceId: string,
    message: VerificationRequestMessage,
    tokenHash: string,
  ): Promise<BridgeMessage | undefined> {
    const key = ledgerKey(deviceId, message.requestId);
    let open!: () => void;
    this.inflight.set(key, new Promise<void>((resolve) => (open = resolve)));
    this.trackPendingPush({ deviceId, requestId: message.requestId, tokenHash });
    try {
      const answer = await this.callProvider(deviceId, message.requestId, tokenHash, () =>
        this.deps.provider.backchannelAuthentication({
          clientId: deviceId,
          request: message.request,
          clientAssertion: message.clientAssertion,
        }),
      );
      if (answer === 'unavailable') return unavailable(message.requestId);
      const now = this.deps.clock.now();
      if (answer.ok) {
        const { authReqId, expiresIn } = answer.value;
        const authExpiresAt = now + expiresIn * 1000;
        // from here on the entry expires even if recording the acknowledgement fails
        const pending = this.pendingPushes.get(tokenHash);
        if (pending) Object.assign(pending, { authReqId, authExpiresAt });
        const record = await this.deps.relays.acknowledge(
          deviceId,
          message.requestId,
          { authReqId, authExpiresAt },
          now,
        );
        this.deps.logger.debug('verification acknowledged', { deviceId, requestId: message.requestId });
        if (record && record.state !== 'cancelled') {
          await this.deps.publisher.publish(deviceId, ackMessage(message.requestId, authReqId, expiresIn));
        }
        return undefined;
      }
      this.pendingPushes.delete(tokenHash);
      const outcome = errorOutcome(answer.error, answer.errorDescription);
      await this.deps.relays.storeOutcome(deviceId, message.requestId, outcome, now);
      this.deps.logger.info('verification refused by the provider', {
        deviceId,
        requestId: message.requestId,
        error: answer.error,
      });
      return resultMessage({ requestId: message.requestId, outcome } as RelayRecord & { outcome: RelayOutcome });
    } finally {
      this.inflight.delete(key);
      open();
    }
  }

  private async replayVerification(
    record: RelayRecord,
    message: VerificationRequestMessage,
  ): Promise<BridgeMessage | undefined> {
    const { deviceId, requestId } = record;
    switch (record.state) {
      case 'relayed': {
        const running = this.inflight.get(ledgerKey(deviceId, requestId));
        if (running) {
          await running;
          // released after a transient failure: this repeat is a retry and relays anew
          const current = await this.deps.relays.find(deviceId, requestId);
          return current ? this.replayVerification(current, message) : this.verification(deviceId, message);
        }
        // left by a bridge that stopped while relaying: the provider's answer was lost, relay again
        this.deps.logger.warn('verification relayed again after an interrupted relay', { deviceId, requestId });
        return this.relayVerification(deviceId, message, record.notificationTokenHash ?? '');
      }
      case 'acknowledged':
        return this.storedAck(record);
      case 'result_ready':
      case 'delivered': {
        const ack = this.storedAck(record);
        if (ack) await this.deps.publisher.publish(deviceId, ack);
        return record.outcome ? resultMessage({ ...record, outcome: record.outcome }) : undefined;
      }
      case 'cancelled':
        return {
          type: 'status',
          requestId,
          status: 'cancelled',
          ...(record.authReqId === undefined ? {} : { authReqId: record.authReqId }),
        };
    }
  }

  private async relayRefresh(deviceId: string, message: RefreshMessage): Promise<BridgeMessage | undefined> {
    const key = ledgerKey(deviceId, message.requestId);
    let open!: () => void;
    this.inflight.set(key, new Promise<void>((resolve) => (open = resolve)));
    try {
      const answer = await this.callProvider(deviceId, message.requestId, undefined, () =>
        this.deps.provider.refresh({
          clientId: deviceId,
          refreshToken: message.refreshToken,
          clientAssertion: message.clientAssertion,
          ...(message.dpop === undefined ? {} : { dpop: message.dpop }),
        }),
      );
      if (answer === 'unavailable') return unavailable(message.requestId);
      const outcome: RelayOutcome = answer.ok
        ? { status: 'refreshed', encryptedTokenResponse: answer.value.encryptedTokenResponse }
        : errorOutcome(answer.error, answer.errorDescription);
      await this.deps.relays.storeOutcome(deviceId, message.requestId, outcome, this.deps.clock.now());
      return resultMessage({ requestId: message.requestId, outcome } as RelayRecord & { outcome: RelayOutcome });
    } finally {
      this.inflight.delete(key);
      open();
    }
  }

  private async replayRefresh(record: RelayRecord, message: RefreshMessage): Promise<BridgeMessage | undefined> {
    if (record.state === 'relayed') {
      const running = this.inflight.get(ledgerKey(record.deviceId, record.requestId));
      if (!running) return this.relayRefresh(record.deviceId, message);
      await running;
      const current = await this.deps.relays.find(record.deviceId, record.requestId);
      return current ? this.replayRefresh(current, message) : this.refresh(record.deviceId, message);
    }
    return record.outcome ? resultMessage({ ...record, outcome: record.outcome }) : undefined;
  }

  /** Calls the provider; on a transient failure the ledger entry is released so that a retry relays again. */
  private async callProvider<T>(
    deviceId: string,
    requestId: string,
    tokenHash: string | undefined,
    call: () => Promise<T>,
  ): Promise<T | 'unavailable'> {
    try {
      return await call();
    } catch (err) {
      await this.deps.relays.release(deviceId, requestId);
      if (tokenHash !== undefined) this.pendingPushes.delete(tokenHash);
      if (!(err instanceof ProviderUnavailableError)) throw err;
      this.deps.logger.warn('provider unavailable', { deviceId, requestId, reason: err.message });
      return 'unavailable';
    }
  }

  private trackPendingPush(pending: PendingPush): void {
    this.pendingPushes.set(pending.tokenHash, pending);
    if (this.expiryTimer || this.closed) return;
    this.expiryTimer = setInterval(
      () =>
        void this.expireOverduePushes().catch((err: unknown) =>
          this.deps.logger.error('expiry check failed', { error: err instanceof Error ? err.message : 'unknown' }),
        ),
      this.expiryCheckIntervalMs,
    );
    this.expiryTimer.unref();
  }

  private stopExpiryTimer(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  private async expireOverdue(): Promise<number> {
    const now = this.deps.clock.now();
    const overdue = [...this.pendingPushes.values()].filter(
      (p) => p.authExpiresAt !== undefined && p.authExpiresAt + this.pushGraceMs <= now,
    );
    let expired = 0;
    for (const pending of overdue) {
      const { deviceId, requestId, authReqId } = pending;
      const outcome = errorOutcome('expired_token', 'the provider sent no result before the request expired');
      let stored: boolean;
      try {
        // compare-and-set: a push or a cancellation that got there first wins
        stored = await this.deps.relays.storeOutcome(deviceId, requestId, outcome, now, authReqId);
      } catch (err) {
        // kept for the next pass
        this.deps.logger.error('expired result not stored', {
          deviceId,
          requestId,
          error: err instanceof Error ? err.message : 'unknown',
        });
        continue;
      }
      if (this.pendingPushes.get(pending.tokenHash) === pending) this.pendingPushes.delete(pending.tokenHash);
      if (!stored) continue;
      expired++;
      this.deps.logger.info('verification expired without a push from the provider', { deviceId, requestId });
      void this.publishResult(deviceId, requestId, authReqId, outcome);
    }
    if (this.pendingPushes.size === 0) this.stopExpiryTimer();
    return expired;
  }

  private async findPendingPush(tokenHash: string): Promise<PendingPush | undefined> {
    const record = await this.deps.relays.findByNotificationTokenHash(tokenHash);
    if (!record || record.notificationTokenHash === undefined) return undefined;
    return {
      deviceId: record.deviceId,
      requestId: record.requestId,
      tokenHash: record.notificationTokenHash,
      ...(record.authReqId === undefined ? {} : { authReqId: record.authReqId }),
    };
  }

  private async publishResult(
    deviceId: string,
    requestId: string,
    authReqId: string | undefined,
    outcome: RelayOutcome,
  ): Promise<void> {
    try {
      // the acknowledgement goes first when the push overtook the relay's answer
      await this.inflight.get(ledgerKey(deviceId, requestId));
      // an offline device gets it from the ledger when it subscribes again
      if (!this.deps.publisher.isConnected(deviceId)) return;
      await this.deps.publisher.publish(
        deviceId,
        resultMessage({ requestId, authReqId, outcome } as RelayRecord & { outcome: RelayOutcome }),
      );
    } catch (err) {
      this.deps.logger.error('result publish failed', {
        deviceId,
        requestId,
        error: err instanceof Error ? err.message : 'unknown',
      });
    }
  }

  private storedAck(record: RelayRecord): AckMessage | undefined {
    if (record.authReqId === undefined || record.authExpiresAt === undefined) return undefined;
    const expiresIn = Math.max(1, Math.ceil((record.authExpiresAt - this.deps.clock.now()) / 1000));
    return ackMessage(record.requestId, record.authReqId, expiresIn);
  }
}

/**
 * The `client_notification_token` (CIBA §7.1) the provider's push will carry. A signed request
 * object is read (not verified: the provider does that) and its `iss` compared with the device
 * (defence in depth); an encrypted one (RFC 9101 §6.1) is the provider's to open, so the device
 * repeats the token beside it and the provider checks `iss` against the client id the bridge
 * relays for the authenticated device.
 */
function notificationTokenOf(
  deviceId: string,
  message: VerificationRequestMessage,
): { ok: true; value: string } | { ok: false; problem: string } {
  if (isCompactJwe(message.request)) {
    return message.clientNotificationToken === undefined
      ? { ok: false, problem: 'an encrypted request object needs client_notification_token beside it' }
      : { ok: true, value: message.clientNotificationToken };
  }
  const claims = readRequestObject(message.request);
  if (!claims) return { ok: false, problem: 'request is not a JWT' };
  if (claims.iss !== deviceId) return { ok: false, problem: 'the request object iss is not the device id' };
  if (claims.clientNotificationToken === undefined) {
    return { ok: false, problem: 'the request object has no client_notification_token' };
  }
  if (
    message.clientNotificationToken !== undefined &&
    message.clientNotificationToken !== claims.clientNotificationToken
  ) {
    return { ok: false, problem: 'client_notification_token differs from the one in the request object' };
  }
  return { ok: true, value: claims.clientNotificationToken };
}

function isCompactJwe(value: string): boolean {
  return value.split('.').length === 5;
}

function ackMessage(requestId: string, authReqId: string, expiresIn: number): AckMessage {
  return { type: 'ack', requestId, authReqId, expiresIn };
}

function protocolError(requestId: string | null, error: ErrorMessage['error'], errorDescription: string): ErrorMessage {
  return { type: 'error', requestId, error, errorDescription };
}

function reused(message: { requestId: string }): ErrorMessage {
  return protocolError(message.requestId, 'request_id_reused', 'request_id was already used for another request');
}

function unavailable(requestId: string): ErrorMessage {
  return protocolError(
    requestId,
    'temporarily_unavailable',
    'the provider cannot be reached; retry later with the same request_id',
  );
}

function ledgerKey(deviceId: string, requestId: string): string {
  return `${deviceId} ${requestId}`;
}
