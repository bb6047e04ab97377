import type { ProviderContext } from '../context';
import type { OutboxKind, OutboxMessage } from '../domain/tokens';
import { RequestTimeoutError, ResponseTooLargeError, OutboundTargetRefused, boundedMemo } from '@onboard/platform';
import type { Stores } from '../ports/stores.port';
import { attemptLeaseMs } from './notification-message';

/** Tuning of the outbox worker; policy (attempts, backoff, timeout) comes from settings. */
export interface NotificationDeliveryOptions {
  /**
   * Shortest time from the end of one timer scan to the next (ms), however soon the
   * earliest pending message is due: bounds the scan rate when messages stay due (taken
   * by another worker meanwhile). A retry this worker records, and a message handed to it
   * through `ctx.signals`, are attempted at their due time regardless. Default 1000.
   */
  pollIntervalMs?: number;
  /**
   * Longest sleep between two timer scans while nothing is due sooner (ms): messages
   * written or leased by other processes sharing the database, and leases left by a
   * process that died, are found within it. Default 5000 (at least `pollIntervalMs`).
   */
  idleIntervalMs?: number;
  /** Messages read per `due` query. Default 32. */
  batchSize?: number;
  /** Largest response body read from a notification endpoint. Default 16 KiB. */
  maxResponseBytes?: number;
  /** Upper bound of one backoff delay (ms). Default 5 minutes. */
  maxBackoffMs?: number;
  /** Source of jitter in [0, 1). Default Math.random (jitter needs no secrecy). */
  jitter?: () => number;
  /**
   * How messages of the other kinds than `client_notification` are sent (owner webhooks,
   * Web Push). A message of a kind without a channel fails at once.
   */
  channels?: Partial<Record<Exclude<OutboxKind, 'client_notification'>, OutboxChannel>>;
}

/** The HTTP request of one delivery attempt. */
export interface PreparedDelivery {
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/**
 * How the worker sends messages of one kind. The worker keeps its rules for every kind: the
 * https / loopback check, the outbound guard, no redirects, retries with backoff on 408, 429,
 * 5xx and network errors, no retry on other 4xx.
 */
export interface OutboxChannel {
  /** The request of one attempt, or why the message cannot be sent at all (failed, not retried). */
  prepare(message: OutboxMessage): Promise<PreparedDelivery | { failed: string }>;
  /** The endpoint answered `status` and the message failed for good (Web Push 404/410: the subscription is gone). */
  rejected?(message: OutboxMessage, status: number): Promise<void>;
}

/** How one attempt ended. */
type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'retry' | 'failed'; reason: string; retryAfterMs?: number; status?: number };

/**
 * Ids being sent by any worker of this process over the same stores: the fallback
 * guard against double sends when the store has no atomic `lease`.
 */
const sendingByStores = new WeakMap<Stores, Set<string>>();

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * The durable outbox worker for ping (CIBA §10.2) and push (CIBA §10.3, §12)
 * notifications. Messages live in `stores.outbox`, so a message enqueued before a
 * restart is delivered after it. Rules:
 *  - https only; http only to loopback hosts when `allowLoopbackHttpNotifications`;
 *  - an endpoint the outbound guard of ctx.http refuses (private, loopback, metadata…
 *    address, literal or resolved) fails at once, never retried;
 *  - redirects are never followed (a 3xx fails the message);
 *  - 2xx is delivered (CIBA expects 204, any 2xx is accepted);
 *  - 401 fails at once, never retried (CIBA conformance: no retry after 401);
 *  - other 4xx fail at once, except 408 and 429, which are retried like 5xx,
 *    timeouts and network errors: exponential backoff with jitter, at most
 *    `notificationMaxAttempts` attempts;
 *  - response bodies are bounded; an oversized response fails the message;
 *  - before a send the worker takes a lease (nextAttemptAt pushed past the send
 *    timeout) so a second worker does not send the same message meanwhile.
 * Bodies and bearer tokens are never logged.
 *
 * The worker sleeps until it has a reason to wake: after each timer scan it sets its
 * timer to the earliest `nextAttemptAt` among pending messages (`outbox.nextDueAt()`),
 * no sooner than `pollIntervalMs` and no later than `idleIntervalMs`; a retry it records
 * brings the timer forward to the retry's due time. An idle provider's worker wakes once
 * per `idleIntervalMs`.
 *
 * @example
 * const delivery = new NotificationDelivery(ctx);
 * delivery.start();          // timer loop + wake-ups from ctx.signals
 * // … on shutdown:
 * await delivery.stop();     // waits for in-flight sends
 */
export class NotificationDelivery {
  private readonly pollIntervalMs: number;
  private readonly idleIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxResponseBytes: number;
  private readonly maxBackoffMs: number;
  private readonly jitter: () => number;
  private readonly channels: NonNullable<NotificationDeliveryOptions['channels']>;
  private readonly inFlight = new Set<Promise<boolean>>();
  private timer?: NodeJS.Timeout;
  /** When the armed timer fires (clock time); Infinity while none is armed. */
  private timerAt = Infinity;
  private unsubscribe?: () => void;
  private started = false;
  private stopped = false;
  private scanning?: Promise<void>;
  private rescan = false;

  constructor(
    private readonly ctx: ProviderContext,
    options: NotificationDeliveryOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.idleIntervalMs = Math.max(this.pollIntervalMs, options.idleIntervalMs ?? 5000);
    this.batchSize = options.batchSize ?? 32;
    this.maxResponseBytes = options.maxResponseBytes ?? 16 * 1024;
    this.maxBackoffMs = options.maxBackoffMs ?? 5 * 60_000;
    this.jitter = options.jitter ?? Math.random;
    this.channels = options.channels ?? {};
  }

  /** Start the timer loop and listen for in-process wake-ups. Picks up messages left from before a restart. */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    this.unsubscribe = this.ctx.signals.onNotificationQueued?.((id, leased) => void this.kick(id, leased));
    this.wakeAt(this.ctx.clock.now());
  }

  /** Stop the loop and wait for in-flight sends. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /**
   * Attempt now: the message `messageId` (right after it was enqueued, so a ping leaves
   * within milliseconds), or every due message. Never throws; returns when the attempts
   * it started have ended.
   */
  kick(messageId?: string, leased?: OutboxMessage): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!messageId) return this.scan();
    return this.track(this.attempt(messageId, leased)).then(async (sent) => {
      // Not sent (held elsewhere, or the attempt broke off): the timer must not sleep past it.
      if (!sent) await this.wakeAtNextDue(0);
    });
  }

  /**
   * Make the timer fire at `at` (clock time) at the latest. Only a started worker has a
   * timer; a later `at` than the armed one leaves it as it is.
   */
  private wakeAt(at: number): void {
    if (!this.started || this.stopped || at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, at - this.ctx.clock.now()));
    // The HTTP server keeps the process alive; the worker alone must not.
    this.timer.unref();
  }

  private onTimer(): void {
    const armedFor = this.timerAt;
    this.timer = undefined;
    this.timerAt = Infinity;
    // Timers run on the event loop's clock, which can be milliseconds behind ctx.clock when
    // the timer was armed in a long turn: fired before its time by ctx.clock, a scan would
    // find nothing due and then sleep a whole poll interval past the message. Wait the rest.
    if (armedFor > this.ctx.clock.now()) return this.wakeAt(armedFor);
    void this.scan().finally(() => this.wakeAtNextDue(this.pollIntervalMs));
  }

  /**
   * Arm the timer for the earliest pending message, at least `minDelayMs` and at most
   * `idleIntervalMs` from now. Should the store fail, it retries after the idle interval.
   */
  private async wakeAtNextDue(minDelayMs: number): Promise<void> {
    if (!this.started || this.stopped) return;
    let next: number | undefined;
    try {
      next = await this.ctx.stores.outbox.nextDueAt();
    } catch (error) {
      this.ctx.logger.error('outbox scan failed', { errorMessage: (error as Error).message });
    }
    const now = this.ctx.clock.now();
    this.wakeAt(Math.min(now + this.idleIntervalMs, Math.max(now + minDelayMs, next ?? Infinity)));
  }

  /** One pass over due messages; concurrent callers share it and trigger one more pass. */
  private scan(): Promise<void> {
    if (this.scanning) {
      this.rescan = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      try {
        // Bounded, so messages that stay due (a lease being taken elsewhere) cannot spin the loop.
        for (let pass = 0; pass < 16 && !this.stopped; pass++) {
          this.rescan = false;
          const due = await this.ctx.stores.outbox.due(this.ctx.clock.now(), this.batchSize);
          const leased = await Promise.all(due.map((m) => this.track(this.attempt(m.id))));
          // A full batch may hide more due messages behind it.
          if (due.length === this.batchSize && leased.some(Boolean)) this.rescan = true;
          if (!this.rescan) break;
        }
      } catch (error) {
        this.ctx.logger.error('outbox scan failed', { errorMessage: (error as Error).message });
      } finally {
        this.scanning = undefined;
      }
    })();
    return this.scanning;
  }

  private track(work: Promise<boolean>): Promise<boolean> {
    const guarded = work.catch((error: unknown) => {
      this.ctx.logger.error('notification attempt failed unexpectedly', { errorMessage: (error as Error).message });
      return false;
    });
    this.inFlight.add(guarded);
    void guarded.finally(() => this.inFlight.delete(guarded));
    return guarded;
  }

  /**
   * One attempt at one message; false when it was not leased (not due, or taken
   * elsewhere). `leased`: the message as written already leased to this worker (see
   * enqueueNotification), sent without taking the lease again.
   */
  private async attempt(messageId: string, leased?: OutboxMessage): Promise<boolean> {
    if (this.stopped) return false;
    const { stores, clock, settings } = this.ctx;
    let sending = sendingByStores.get(stores);
    if (!sending) sendingByStores.set(stores, (sending = new Set()));
    if (sending.has(messageId)) return false;
    sending.add(messageId);
    try {
      const now = clock.now();
      const message =
        leased?.id === messageId ? leased : await this.lease(messageId, now, now + attemptLeaseMs(settings));
      if (!message) return false;
      const started = clock.now();
      const outcome = await this.send(message);
      await this.record(message, outcome, started);
      return true;
    } finally {
      sending.delete(messageId);
    }
  }

  private async lease(id: string, now: number, until: number): Promise<OutboxMessage | undefined> {
    const outbox = this.ctx.stores.outbox;
    if (outbox.lease) return outbox.lease(id, now, until);
    const message = await outbox.find(id);
    if (!message || message.status !== 'pending' || message.nextAttemptAt > now) return undefined;
    const patch = { attempts: message.attempts + 1, nextAttemptAt: until };
    await outbox.update(id, patch);
    return { ...message, ...patch };
  }

  /** The request of one attempt: a CIBA notification as the spec says, other kinds by their channel. */
  private async prepare(message: OutboxMessage): Promise<PreparedDelivery | { failed: string }> {
    const kind = message.kind ?? 'client_notification';
    if (kind === 'client_notification') {
      return {
        url: message.url,
        // CIBA §10.2 / §10.3: Bearer client_notification_token, JSON body.
        headers: { 'content-type': 'application/json', authorization: `Bearer ${message.bearer}` },
        body: message.body,
      };
    }
    const channel = this.channels[kind];
    if (!channel) return { failed: `no channel delivers ${kind} messages` };
    try {
      return await channel.prepare(message);
    } catch (error) {
      // A message that cannot be prepared now will not be later: failed, not retried.
      return { failed: `cannot prepare ${kind} message: ${(error as Error).message}`.slice(0, 200) };
    }
  }

  private async send(message: OutboxMessage): Promise<Outcome> {
    const prepared = await this.prepare(message);
    if ('failed' in prepared) return { kind: 'failed', reason: prepared.failed };
    const refusal = this.checkUrl(prepared.url);
    if (refusal) return { kind: 'failed', reason: refusal };
    try {
      const response = await this.ctx.http.send({
        url: prepared.url,
        method: 'POST',
        headers: prepared.headers,
        body: prepared.body,
        timeoutMs: this.ctx.settings.notificationTimeoutMs,
        maxResponseBytes: this.maxResponseBytes,
      });
      return this.classify(response.status, response.headers['retry-after']);
    } catch (error) {
      if (error instanceof ResponseTooLargeError) return { kind: 'failed', reason: 'response too large' };
      // The outbound policy refused the endpoint's host or an address it resolves to: not retried.
      if (error instanceof OutboundTargetRefused) return { kind: 'failed', reason: error.message };
      if (error instanceof RequestTimeoutError) return { kind: 'retry', reason: 'timeout' };
      return { kind: 'retry', reason: `network error: ${(error as Error).message}`.slice(0, 200) };
    }
  }

  private classify(status: number, retryAfter: string | undefined): Outcome {
    if (status >= 200 && status < 300) return { kind: 'delivered', status };
    // A redirect is never followed (ping endpoint hardening; CIBA conformance).
    if (status >= 300 && status < 400) {
      return { kind: 'failed', reason: `HTTP ${status} (redirect not followed)`, status };
    }
    if (status === 401) return { kind: 'failed', reason: 'HTTP 401 (not retried)', status };
    if (status === 408 || status === 429 || status >= 500) {
      const seconds = Number(retryAfter);
      return {
        kind: 'retry',
        reason: `HTTP ${status}`,
        retryAfterMs: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined,
        status,
      };
    }
    return { kind: 'failed', reason: `HTTP ${status}`, status };
  }

  /** https only; http only to loopback hosts in development (ping endpoint hardening). */
  // A client's endpoint is the same for every message: judged once.
  private readonly checkUrl = boundedMemo((raw: string) => this.judgeUrl(raw));

  private judgeUrl(raw: string): string | undefined {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'invalid notification endpoint';
    }
    if (url.username || url.password) return 'notification endpoint carries credentials';
    if (url.protocol === 'https:') return undefined;
    if (url.protocol === 'http:' && this.ctx.settings.allowLoopbackHttpNotifications && isLoopbackHost(url.hostname)) {
      return undefined;
    }
    return 'notification endpoint must use https';
  }

  /** Exponential backoff with equal jitter: half the delay fixed, half random. */
  backoffMs(attempts: number): number {
    const base = this.ctx.settings.notificationBackoffMs * 2 ** Math.max(0, attempts - 1);
    const capped = Math.min(this.maxBackoffMs, base);
    return Math.round(capped / 2 + (this.jitter() * capped) / 2);
  }

  private async record(message: OutboxMessage, outcome: Outcome, started: number): Promise<void> {
    const { stores, clock, logger, metrics, settings } = this.ctx;
    const now = clock.now();
    const fields = {
      messageId: message.id,
      authRequestId: message.authRequestId,
      clientId: message.clientId,
      kind: message.kind ?? 'client_notification',
      origin: safeOrigin(message.url),
      attempt: message.attempts,
      ms: now - started,
    };
    if (outcome.kind === 'delivered') {
      await stores.outbox.update(message.id, { status: 'delivered', lastError: undefined });
      metrics.observe('notification_delivery_seconds', (now - message.createdAt) / 1000);
      logger.info('notification delivered', { ...fields, status: outcome.status });
      return;
    }
    if (outcome.kind === 'retry' && message.attempts < settings.notificationMaxAttempts) {
      const delay = Math.min(this.maxBackoffMs, Math.max(this.backoffMs(message.attempts), outcome.retryAfterMs ?? 0));
      await stores.outbox.update(message.id, { nextAttemptAt: now + delay, lastError: outcome.reason });
      this.wakeAt(now + delay);
      logger.warn('notification attempt failed, will retry', { ...fields, reason: outcome.reason, retryInMs: delay });
      return;
    }
    await stores.outbox.update(message.id, { status: 'failed', lastError: outcome.reason });
    logger.warn('notification failed', { ...fields, reason: outcome.reason });
    const kind = message.kind ?? 'client_notification';
    if (outcome.status !== undefined && kind !== 'client_notification') {
      await this.channels[kind]?.rejected?.(message, outcome.status);
    }
    await stores.audit.append({
      id: this.ctx.random.uuid(),
      at: now,
      type: 'notification.failed',
      clientId: message.clientId,
      authRequestId: message.authRequestId,
      data: { attempts: message.attempts, reason: outcome.reason },
    });
  }
}

/** The origin of a notification endpoint, for logs (one parse per endpoint). */
const safeOrigin = boundedMemo((raw: string): string | undefined => {
  try {
    return new URL(raw).origin;
  } catch {
    return undefined;
  }
});
