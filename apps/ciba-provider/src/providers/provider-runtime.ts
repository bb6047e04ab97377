import {
  LiveChannel,
  createPasskeyApprovalVerifier,
  openVapidKeys,
  webPushChannel,
  webPushNotifier,
  webhookChannel,
  webhookNotifier,
} from '@onboard/owner-auth';
import {
  METRIC_DURATIONS,
  Maintenance,
  NotificationDelivery,
  createKeyRing,
  RequestObjectKeys,
  outboundPolicy,
  createSignals,
  UnknownKeyEncryptionKey,
  composeOwnerNotifiers,
  signalsOwnerNotifier,
  type KeyWrapper,
  type NotificationDeliveryOptions,
  type OwnerNotifier,
  type SweepOptions,
  type ProviderContext,
  type Stores,
} from '@onboard/ciba-core';
import {
  createHttpClient,
  createOutboundGuard,
  nodeRandom,
  systemClock,
  type Clock,
  type HttpClient,
  type OutboundGuardOptions,
  type Random,
  createLogger,
  createPrometheusMetrics,
  type AppLogger,
  type PrometheusMetrics,
} from '@onboard/platform';
import { ConfigError, type ProviderConfig } from '@onboard/config';
import { openKeyEncryption, type KeyEncryption } from './key-encryption';
import { openProviderStores } from './open-stores';

/** The stored keys need a KEK the configuration does not give: name the variable to fix. */
function misconfiguredKek(error: UnknownKeyEncryptionKey, { source }: KeyEncryption): Error {
  if (source.kind === 'environment') return new ConfigError('KEY_ENCRYPTION_KEY', error.message);
  if (source.kind === 'file') {
    return new ConfigError('KEY_ENCRYPTION_KEY_FILE', `${error.message} (${source.file} holds other keys)`);
  }
  return error;
}

/** Parts of the context a caller (tests, benchmark) may supply instead of the defaults. */
export interface ProviderOverrides {
  /** Use these stores instead of opening DATABASE_URL; they are then not closed on shutdown. */
  stores?: Stores;
  clock?: Clock;
  random?: Random;
  http?: HttpClient;
  /**
   * Resolve host names of outbound requests with this instead of the system resolver (tests
   * standing in for DNS). Ignored when `http` is given.
   */
  resolve?: OutboundGuardOptions['resolve'];
  notifier?: OwnerNotifier;
  /** Use this logger instead of a JSON logger on stdout at LOG_LEVEL. */
  logger?: AppLogger;
  /** Export Node process metrics too (main.ts turns it on; tests leave it off). */
  processMetrics?: boolean;
  /** Tuning of the ping/push outbox worker. */
  delivery?: NotificationDeliveryOptions;
  /** Tuning of the maintenance sweep (expiry of ping/push requests, deletion of old rows). */
  maintenance?: SweepOptions & { intervalMs?: number };
  /** Start the background workers (outbox delivery, maintenance). Default true. */
  workers?: boolean;
  /**
   * Wraps the private signing and encryption keys at rest instead of the KEK of KEY_ENCRYPTION_KEY or its
   * file: a KMS or HSM adapter of the KeyWrapper port.
   */
  keyWrapper?: KeyWrapper;
  /**
   * Open an existing database only (the admin CLI without `--create`): a missing one fails
   * with DatabaseNotFound instead of being created with fresh keys. Default true.
   */
  createDatabase?: boolean;
}

/** The built context plus what the composition root starts and stops. */
export interface ProviderRuntime {
  ctx: ProviderContext;
  /** The owner app's live channel (Server-Sent Events) of this process. */
  live: LiveChannel;
  logger: AppLogger;
  metrics: PrometheusMetrics;
  /** The key wrapper of the signing and encryption keys and where its KEKs come from (`keys rotate-kek`). */
  keyEncryption: KeyEncryption;
  /** Start the outbox worker and maintenance (no-op if `workers: false`). */
  start(): void;
  /** Stop the workers, then close the stores (unless they were supplied). Idempotent. */
  stop(): Promise<void>;
}

/**
 * The composition root of the provider, free of Nest so the admin CLI shares it:
 * build the ProviderContext (settings, stores, clock, random, outbound HTTP, owner
 * notifier, logger, signing keys wrapped at rest, signals, metrics) from a validated config.
 */
export async function createProviderRuntime(
  config: ProviderConfig,
  overrides: ProviderOverrides = {},
): Promise<ProviderRuntime> {
  const logger = overrides.logger ?? createLogger({ level: config.logLevel, base: { service: 'ciba-provider' } });
  const metrics = createPrometheusMetrics({
    processMetrics: overrides.processMetrics ?? false,
    durations: METRIC_DURATIONS,
  });
  const ownStores = overrides.stores === undefined;
  const stores =
    overrides.stores ?? (await openProviderStores(config.databaseUrl, logger, overrides.createDatabase ?? true));
  try {
    const clock = overrides.clock ?? systemClock;
    const signals = createSignals();
    const keyEncryption: KeyEncryption = overrides.keyWrapper
      ? { wrapper: overrides.keyWrapper, source: { kind: 'supplied' } }
      : await openKeyEncryption(config.keyEncryption, config.databaseUrl, stores, logger);
    const keys = await createKeyRing(stores.signingKeys, clock, config.settings, {
      wrapper: keyEncryption.wrapper,
      logger,
    }).catch((error: unknown) => {
      throw error instanceof UnknownKeyEncryptionKey ? misconfiguredKek(error, keyEncryption) : error;
    });
    // Outbound requests never reach the deployment's own network unless the operator allows
    // it (ALLOW_LOOPBACK_HTTP_NOTIFICATIONS, OUTBOUND_ALLOW_CIDRS): the SSRF guard at the
    // connect step, on literal and resolved addresses alike.
    const guard = createOutboundGuard(outboundPolicy(config.settings), {
      resolve: overrides.resolve,
      onRefused: (refusal) => {
        // The host and address only: never the URL's path or query, nor the request.
        logger.warn('outbound request refused', {
          host: refusal.host,
          address: refusal.address,
          reason: refusal.reason,
        });
        metrics.outcome('outbound', 'refused');
      },
    });
    // Wrapped under the same KEK as the signing keys.
    const requestObjectKeys = await RequestObjectKeys.open(stores.encryptionKeys, clock, {
      wrapper: keyEncryption.wrapper,
      logger,
    }).catch((error: unknown) => {
      throw error instanceof UnknownKeyEncryptionKey ? misconfiguredKek(error, keyEncryption) : error;
    });
    // The Web Push key pair (RFC 8292): generated on first start, wrapped under the same KEK.
    const vapid = await openVapidKeys(stores.push, clock, keyEncryption.wrapper).catch((error: unknown) => {
      throw error instanceof UnknownKeyEncryptionKey ? misconfiguredKek(error, keyEncryption) : error;
    });
    const ctx: ProviderContext = {
      settings: config.settings,
      stores,
      clock,
      random: overrides.random ?? nodeRandom,
      // Outbound pings, pushes and key fetches (https verified against Node's CA store,
      // NODE_EXTRA_CA_CERTS included), through the outbound guard.
      http: overrides.http ?? createHttpClient({ guard }),
      // Default owner notification: wake the owner's devices long-polling this process.
      notifier: overrides.notifier ?? signalsOwnerNotifier(signals),
      logger,
      keys,
      requestObjectKeys,
      signals,
      metrics,
    };
    // The owner app's passkey approvals: the provider verifies each assertion itself.
    ctx.passkeyApprovals = createPasskeyApprovalVerifier(ctx);
    // New requests also reach the owner's open apps at once (Server-Sent Events), their
    // installed apps (Web Push) and the client's own app back-end (a signed webhook); each
    // notifier on its own, one failing never stops the others nor the client's request.
    const live = new LiveChannel(ctx);
    ctx.notifier = composeOwnerNotifiers(
      [ctx.notifier, live, webPushNotifier(ctx), webhookNotifier(ctx)],
      (error, request) =>
        logger.warn('owner notification failed', {
          authRequestId: request.id,
          errorName: (error as Error | undefined)?.name,
          errorMessage: (error as Error | undefined)?.message,
        }),
    );
    const delivery = new NotificationDelivery(ctx, {
      ...overrides.delivery,
      channels: { web_push: webPushChannel(ctx, vapid), owner_webhook: webhookChannel },
    });
    const maintenance = new Maintenance(ctx, overrides.maintenance);
    let started = false;
    let stopping: Promise<void> | undefined;
    return {
      ctx,
      live,
      logger,
      metrics,
      keyEncryption,
      start() {
        if (started || overrides.workers === false) return;
        started = true;
        delivery.start();
        maintenance.start();
      },
      stop() {
        stopping ??= (async () => {
          if (started) await Promise.all([delivery.stop(), maintenance.stop()]);
          if (ownStores) await stores.close();
        })();
        return stopping;
      },
    };
  } catch (error) {
    if (ownStores) await stores.close().catch(() => undefined);
    throw error;
  }
}
