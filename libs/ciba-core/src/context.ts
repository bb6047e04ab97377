import type { ProviderSettings } from './settings';
import type { Stores } from './ports/stores.port';
import type { Clock, Random, HttpClient, Logger } from '@onboard/platform';
import type { OwnerNotifier } from './ports/owner-notifier.port';
import type { PasskeyApprovalVerifier } from './ports/passkey-approval.port';
import type { KeyRing } from './ports/key-ring.port';
import type { RequestObjectKeys } from './keys/request-object-keys';
import type { OutboxMessage } from './domain/tokens';
import type { WaitCancellation } from './signals/wait-cancellation';
import type { LimitEvent, LimitName } from './limits/limit-names';

/** In-process signals (not the source of truth: the store is). */
export interface ProviderSignals {
  /** An auth request left `pending` (approved/denied): wakes long-polling token requests. */
  authRequestCompleted(id: string): void;
  /**
   * Resolve when `id` completes or after `ms`, whichever first. The waiter is registered
   * synchronously, so a caller may start waiting before it re-reads the store; `cancel`
   * releases the waiter early (e.g. the store already shows a final state).
   */
  waitForCompletion(id: string, ms: number, cancel?: WaitCancellation): Promise<void>;
  /** A new request for owner `sub`: wakes long-polling owner devices. */
  ownerRequestCreated(sub: string): void;
  waitForOwnerRequest(sub: string, ms: number, cancel?: WaitCancellation): Promise<void>;
  /**
   * A message entered the outbox: wakes the delivery worker of this process at once.
   * `leased` is the message when it was written already leased to this process (see
   * {@link ProviderSignals.deliversNotifications}): the worker sends it without taking
   * the lease again.
   */
  notificationQueued?(messageId: string, leased?: OutboxMessage): void;
  /** Subscribe to `notificationQueued`; returns the unsubscribe function. */
  onNotificationQueued?(listener: (messageId: string, leased?: OutboxMessage) => void): () => void;
  /**
   * True while a delivery worker of this process listens to `notificationQueued`: a
   * message can then be written already leased to it, which saves the lease's own write
   * and commit before the first attempt. Without a listener (another process, the admin
   * CLI) messages are written due, for whichever worker scans first.
   */
  deliversNotifications?(): boolean;
}

/** The core's duration histograms: seconds, named with the unit as Prometheus expects. */
export const METRIC_DURATIONS = {
  approval_to_token_seconds:
    'Time from owner approval to tokens delivered to the client (token response or push), seconds',
  notification_delivery_seconds: 'Time from enqueueing a ping/push notification to its successful delivery, seconds',
} as const;
export type MetricDuration = keyof typeof METRIC_DURATIONS;

/** Counters and histograms the core reports; the app binds them to Prometheus (the platform's createPrometheusMetrics). */
export interface Metrics {
  outcome(endpoint: string, outcome: string): void;
  /** A duration in seconds (Prometheus' unit), on one of the core's histograms. */
  observe(name: MetricDuration, seconds: number): void;
  /** An event of a guessing or flooding limit (see limits/limits.ts): both labels come from fixed sets. */
  limit?(name: LimitName, event: LimitEvent): void;
}
export const noMetrics: Metrics = { outcome() {}, observe() {}, limit() {} };

/** Everything the protocol core needs, bound once by the composition root. */
export interface ProviderContext {
  settings: ProviderSettings;
  stores: Stores;
  clock: Clock;
  random: Random;
  http: HttpClient;
  notifier: OwnerNotifier;
  logger: Logger;
  keys: KeyRing;
  /**
   * The provider's encryption keys for request objects (RFC 9101 §6.1); without them an
   * encrypted request object is refused.
   */
  requestObjectKeys?: RequestObjectKeys;
  signals: ProviderSignals;
  metrics: Metrics;
  /** Verifies passkey approvals of the owner app; without it a signed-in app cannot approve. */
  passkeyApprovals?: PasskeyApprovalVerifier;
}
