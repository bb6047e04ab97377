import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';
import {
  decodeBridgeMessage,
  encodeDeviceMessage,
  sealDeviceMessage,
  type BridgeEncryptionKey,
  isValidDeviceId,
  parseTopic,
  requestTopic,
  type AckMessage,
  type DeviceMessage,
  type ErrorMessage,
  type ResultMessage,
  type StatusMessage,
} from '@onboard/mqtt-contract';
import { DeviceConnection, type DeviceTlsOptions } from '../connection/device-connection';
import { DEFAULT_RECONNECT, reconnectDelay, type ReconnectOptions } from '../connection/backoff';
import { DeviceClientError, describeCause, displayUrl, errorFromWire } from '../errors';
import {
  encryptRequestObject,
  requestObjectEncryptionKeyOf,
  signClientAssertion,
  signDpopProof,
  signRequestObject,
  type AuthenticationRequestParams,
} from '../jwt/device-jwts';
import type { DeviceKeyStore } from '../keys/device-key-store';
import { silentLogger, type DeviceClientLogger } from '../logger';
import {
  DEFAULT_ID_TOKEN_ALGORITHMS,
  openRefreshResult,
  openVerificationResult,
  type RefreshedTokens,
  type TokenVerificationContext,
  type VerifiedTokens,
} from '../tokens/verify-token-response';
import { VerificationHandle } from './verification-handle';

/** The bridge's default audience for connect credentials (`BRIDGE_AUDIENCE`). */
export const DEFAULT_BRIDGE_AUDIENCE = 'urn:onboard:mqtt-bridge';

/** Settings of {@link connect}. */
export interface DeviceClientOptions {
  /** Broker URL: `mqtts://host:8883`, `mqtt://host:1884` (development only), `wss://host/mqtt`. */
  url: string;
  /** The device id given at registration (= its MQTT client id and its CIBA client id). */
  deviceId: string;
  /** Where the device's private keys live. */
  keys: DeviceKeyStore;
  /** The bridge's audience for connect credentials. Default `urn:onboard:mqtt-bridge`. */
  audience?: string;
  /**
   * The bridge's public encryption key (a JWK, `use` `enc`, from provisioning or the bridge's
   * `/.well-known/jwks.json` read over HTTPS, never from the broker). Verification and refresh
   * requests are sealed to it, so nobody on the broker reads a token, an assertion or the
   * owner's hint (docs/protocol.md §5a).
   */
  bridgeEncryptionKey: BridgeEncryptionKey;
  /** The provider's issuer: the `aud` of request objects and client assertions, the ID token's `iss`. */
  providerIssuer: string;
  /** The provider's JWKS, to verify ID tokens. Give this or `providerJwksUri`. */
  providerJwks?: JSONWebKeySet;
  /** Where to fetch the provider's JWKS (https), to verify ID tokens. Give this or `providerJwks`. */
  providerJwksUri?: string;
  /**
   * The provider's key for encrypted request objects (RFC 9101 §6.1): the signed request object
   * is encrypted to it, so not even the bridge reads the owner's hint or the binding message.
   * Default: the provider's `use: enc` key from `providerJwks` / `providerJwksUri` (read again
   * hourly, so a key rotation reaches the device within the provider's one-day grace);
   * `false` sends the request object signed only (still sealed to the bridge).
   */
  providerEncryptionKey?: JWK | false;
  /** The token endpoint, the `htu` of DPoP proofs for refreshes. Default `{providerIssuer}/token`. */
  tokenEndpoint?: string;
  /** TLS settings for `mqtts://` and `wss://`. */
  tls?: DeviceTlsOptions;
  /** Bounds of the jittered exponential reconnect delay. Default 500 ms to 30 s. */
  reconnect?: ReconnectOptions;
  /** MQTT keep-alive, 1 to 1200 seconds. Default 60. */
  keepaliveSeconds?: number;
  /** How long `connect()` keeps trying to reach the broker. Default 30 000 ms; `Infinity` waits forever. */
  connectTimeoutMs?: number;
  /** How long a request may wait for the provider's acknowledgement. Default 60 000 ms. */
  ackTimeoutMs?: number;
  /** Time allowed beyond the acknowledged `expires_in` for the result to arrive. Default 30 000 ms. */
  resultGraceMs?: number;
  /** Lifetime of signed request objects, at most 3600 s. Default 600 s. */
  requestObjectLifetimeSeconds?: number;
  /** JWS algorithms accepted for ID tokens. Default: the asymmetric ones. */
  idTokenAlgorithms?: string[];
  /** Clock skew tolerated when checking ID tokens. Default 30 s. */
  clockToleranceSeconds?: number;
  /** Where to log; default silent. Tokens and keys are never logged. */
  logger?: DeviceClientLogger;
  /** Aborts `connect()` while it is still connecting. */
  signal?: AbortSignal;
  /** Current time in milliseconds (for tests). Default `Date.now`. */
  now?: () => number;
}

/**
 * What to ask the owner (CIBA §7.1). Exactly one of `loginHint`, `idTokenHint` and
 * `loginHintToken` identifies the owner.
 */
export interface OwnerVerificationRequest {
  /** The owner's e-mail, phone number, user name or subject, as the provider resolves it. */
  loginHint?: string;
  /** An ID token the provider issued earlier for the owner (e.g. from the last pairing). */
  idTokenHint?: string;
  /** A login hint token from an issuer the provider trusts. */
  loginHintToken?: string;
  /** Shown on the owner's phone and on the head-unit, so the owner knows which request it is. */
  bindingMessage: string;
  /** Space-separated scopes; must include `openid`. */
  scope: string;
  /** RFC 9396 authorization details. */
  authorizationDetails?: readonly Record<string, unknown>[];
  /** The owner's user code (CIBA §7.1), when the provider asks for one. */
  userCode?: string;
  /** Requested lifetime of the request in seconds (CIBA §7.1). */
  requestedExpiry?: number;
  /** Requested ACR values, space-separated. */
  acrValues?: string;
  /** Cancels the request when aborted (like {@link VerificationHandle.cancel}). */
  signal?: AbortSignal;
}

/** Options of {@link DeviceClient.refresh}. */
export interface RefreshOptions {
  signal?: AbortSignal;
  /** How long to wait for the result. Default 60 000 ms. */
  timeoutMs?: number;
}

/** Events of a {@link DeviceClient}. */
export interface DeviceClientEvents {
  /** Connected and subscribed (after `connect()` and after every reconnect). */
  online: [];
  /** The connection was lost; the client reconnects by itself. */
  offline: [];
  /** A reconnect attempt is scheduled. */
  reconnecting: [{ attempt: number; delayMs: number }];
  /** A reconnect attempt failed (`connection_refused`, `connection_failed`) or the device was refused for good (`not_authorized`, then the client is closed). */
  connectionError: [DeviceClientError];
  /** A result arrived for a request this client does not know (e.g. made before a restart); it was acknowledged and dropped. */
  unclaimedResult: [{ requestId: string }];
}

interface PendingVerification {
  kind: 'verification';
  requestId: string;
  handle: VerificationHandle;
  /** The CIBA parameters, signed into a request object once, on the first publication. */
  params: AuthenticationRequestParams;
  /** The signed (and encrypted) request object: the request's identity at the bridge, so it never changes. */
  requestObject?: Promise<{ request: string; clientNotificationToken: string }>;
  published: boolean;
  scope: string;
  timer?: NodeJS.Timeout;
  retries: number;
}

interface PendingRefresh {
  kind: 'refresh';
  requestId: string;
  refreshToken: string;
  scope: string;
  resolve: (tokens: RefreshedTokens) => void;
  reject: (err: DeviceClientError) => void;
  timer?: NodeJS.Timeout;
  retries: number;
}

type Pending = PendingVerification | PendingRefresh;

/** How many settled request ids are remembered for deduplication. */
const SETTLED_MEMORY = 1024;

/**
 * Connects a head-unit to the Onboard bridge and returns a {@link DeviceClient} once connected and
 * subscribed. Every connection attempt uses a fresh connect credential signed by the key store.
 * @throws DeviceClientError `connection_refused`, `not_authorized`, `connection_failed`, `cancelled`, `invalid_argument`
 * @example
 * const client = await connect({
 *   url: 'mqtts://bridge.example.com:8883',
 *   deviceId: 'hu-7f3a',
 *   keys: new FileKeyStore('/var/lib/head-unit/onboard-keys.json'),
 *   bridgeEncryptionKey: provisionedBridgeKey, // from the bridge's /.well-known/jwks.json
 *   providerIssuer: 'https://id.example.com',
 *   providerJwksUri: 'https://id.example.com/jwks',
 * });
 */
export async function connect(options: DeviceClientOptions): Promise<DeviceClient> {
  const client = new DeviceClient(options);
  await client.start(options.signal);
  return client;
}

/**
 * A connected head-unit: asks owners for verification and refreshes tokens over MQTT
 * (docs/protocol.md). Create it with {@link connect}.
 * @example
 * const client = await connect({ url, deviceId, keys, bridgeEncryptionKey, providerIssuer, providerJwksUri });
 * client.on('offline', () => statusBar.show('reconnecting…'));
 * client.on('connectionError', (err) => { if (err.code === 'not_authorized') statusBar.show('device disabled'); });
 * const tokens = await client.requestOwnerVerification({ loginHint, bindingMessage, scope: 'openid' }).result;
 * await client.close();
 *
 * Requests survive connection loss: the client reconnects with jittered exponential backoff and a
 * fresh credential, re-subscribes and re-publishes every unfinished request with its `request_id`
 * (the bridge answers idempotently). Each result is delivered to the caller exactly once and
 * confirmed to the bridge with `requests/result-ack`.
 */
export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  /** The device id. */
  readonly deviceId: string;
  private readonly connection: DeviceConnection;
  private readonly pending = new Map<string, Pending>();
  /** Request ids whose result was handed to the caller (or abandoned): later copies are only acknowledged. */
  private readonly settled = new Set<string>();
  /** Control messages (cancel, result-ack) to publish until PUBACK, keyed by `{type}:{requestId}`. */
  private readonly outbox = new Map<string, DeviceMessage>();
  private readonly jwks: JWTVerifyGetKey;
  /** The provider's request-object encryption key as last fetched (undefined: it publishes none), and when. */
  private providerKey?: { key: Promise<JWK | undefined>; fetchedAt: number };
  private readonly logger: DeviceClientLogger;
  private readonly now: () => number;
  private closed = false;

  /** @internal use {@link connect}. */
  constructor(private readonly options: DeviceClientOptions) {
    super();
    if (!isValidDeviceId(options.deviceId)) throw invalidArgument('deviceId is not a valid device id');
    if (!options.providerIssuer) throw invalidArgument('providerIssuer is required');
    if (typeof options.bridgeEncryptionKey !== 'object' || options.bridgeEncryptionKey === null) {
      throw invalidArgument("bridgeEncryptionKey (the bridge's public encryption JWK) is required");
    }
    if ((options.providerJwks === undefined) === (options.providerJwksUri === undefined)) {
      throw invalidArgument('give exactly one of providerJwks and providerJwksUri');
    }
    this.deviceId = options.deviceId;
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.jwks = options.providerJwks
      ? createLocalJWKSet(options.providerJwks)
      : createRemoteJWKSet(new URL(options.providerJwksUri as string));
    this.connection = new DeviceConnection({
      url: options.url,
      deviceId: options.deviceId,
      audience: options.audience ?? DEFAULT_BRIDGE_AUDIENCE,
      keys: options.keys,
      tls: options.tls,
      reconnect: options.reconnect ?? DEFAULT_RECONNECT,
      keepaliveSeconds: options.keepaliveSeconds ?? 60,
      initialConnectTimeoutMs: options.connectTimeoutMs ?? 30_000,
      logger: this.logger,
      now: this.now,
      random: Math.random,
    });
    this.connection.on('message', (topic, payload) => this.onMessage(topic, payload));
    this.connection.on('online', () => this.onOnline());
    this.connection.on('offline', () => this.emit('offline'));
    this.connection.on('reconnecting', (info) => this.emit('reconnecting', info));
    this.connection.on('connectionError', (err) => {
      this.logger.warn('device connection attempt failed', { deviceId: this.deviceId, code: err.code });
      this.emit('connectionError', err);
    });
    this.connection.on('fatal', (err) => this.onFatal(err));
  }

  /** True while connected and subscribed. */
  get connected(): boolean {
    return this.connection.isOnline;
  }

  /** @internal called by {@link connect}. */
  start(signal?: AbortSignal): Promise<void> {
    return this.connection.start(signal);
  }

  /**
   * Asks the owner to verify this head-unit (CIBA §7.1 through the bridge). Returns at once with a
   * handle; the signed request object (with a fresh `client_notification_token` and the device's
   * `dpop_jkt`) and client assertion are built and published in the background, and again after a
   * reconnect until the result arrives. The result resolves only after the token response was
   * decrypted and the ID token verified.
   * @throws DeviceClientError `invalid_argument` for a malformed request, `closed` after {@link DeviceClient.close} (synchronously)
   * @example
   * const handle = client.requestOwnerVerification({
   *   loginHint: 'owner@example.com',
   *   bindingMessage: 'Pair car 7F3A',
   *   scope: 'openid vehicle:pair',
   *   signal: AbortSignal.timeout(5 * 60_000),
   * });
   * handle.on('ack', ({ expiresIn }) => console.log(`waiting up to ${expiresIn} s`));
   * const { accessToken, refreshToken, claims } = await handle.result;
   */
  requestOwnerVerification(request: OwnerVerificationRequest): VerificationHandle {
    checkVerificationRequest(request);
    if (this.closed) throw new DeviceClientError('closed', 'the client is closed');
    const requestId = randomUUID();
    const handle = new VerificationHandle(requestId, (h) => this.abandon(requestId, cancelled(h.requestId)));
    const entry: PendingVerification = {
      kind: 'verification',
      requestId,
      handle,
      params: {
        scope: request.scope,
        loginHint: request.loginHint,
        idTokenHint: request.idTokenHint,
        loginHintToken: request.loginHintToken,
        bindingMessage: request.bindingMessage,
        userCode: request.userCode,
        requestedExpiry: request.requestedExpiry,
        authorizationDetails: request.authorizationDetails,
        acrValues: request.acrValues,
      },
      published: false,
      scope: request.scope,
      retries: 0,
    };
    this.pending.set(requestId, entry);
    entry.timer = setTimeout(
      () => this.abandon(requestId, timeout(requestId, 'no acknowledgement arrived in time')),
      this.options.ackTimeoutMs ?? 60_000,
    );
    if (request.signal) {
      const signal = request.signal;
      if (signal.aborted) this.abandon(requestId, cancelled(requestId, signal.reason));
      else {
        const onAbort = () => this.abandon(requestId, cancelled(requestId, signal.reason));
        signal.addEventListener('abort', onAbort, { once: true });
        void handle.result.finally(() => signal.removeEventListener('abort', onAbort)).catch(() => undefined);
      }
    }
    if (!handle.settled) this.publishPending(entry);
    return handle;
  }

  /**
   * Exchanges a refresh token for new tokens (RFC 6749 §6) over MQTT, with a client assertion and a
   * DPoP proof for the token endpoint (the tokens are bound to the device's key). A new ID token,
   * when the provider sends one, is verified before the promise resolves.
   * @throws DeviceClientError `invalid_grant`, `invalid_dpop_proof`, `invalid_client`, `timeout`, `cancelled`, `closed`, …
   * @example
   * let tokens = await handle.result;
   * // later, before tokens.expiresAt:
   * tokens = { ...tokens, ...(await client.refresh(tokens)) };
   */
  async refresh(
    tokens: { refreshToken?: string; scope?: string } | string,
    options: RefreshOptions = {},
  ): Promise<RefreshedTokens> {
    const refreshToken = typeof tokens === 'string' ? tokens : tokens.refreshToken;
    if (!refreshToken) throw invalidArgument('no refresh token to refresh with');
    if (this.closed) throw new DeviceClientError('closed', 'the client is closed');
    const requestId = randomUUID();
    return new Promise<RefreshedTokens>((resolve, reject) => {
      const entry: PendingRefresh = {
        kind: 'refresh',
        requestId,
        refreshToken,
        scope: typeof tokens === 'string' ? '' : (tokens.scope ?? ''),
        resolve,
        reject,
        retries: 0,
      };
      this.pending.set(requestId, entry);
      entry.timer = setTimeout(
        () => this.abandon(requestId, timeout(requestId, 'no refresh result arrived in time')),
        options.timeoutMs ?? 60_000,
      );
      const signal = options.signal;
      if (signal) {
        const onAbort = () => this.abandon(requestId, cancelled(requestId, signal.reason));
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        const off = () => signal.removeEventListener('abort', onAbort);
        entry.resolve = (t) => (off(), resolve(t));
        entry.reject = (e) => (off(), reject(e));
      }
      this.publishPending(entry);
    });
  }

  /**
   * Disconnects. Pending requests reject with `closed`; the bridge keeps their results, but a new
   * client cannot claim them (it acknowledges and drops them as `unclaimedResult`).
   * @example process.on('SIGTERM', () => void client.close());
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) {
      this.settle(id, new DeviceClientError('closed', 'the client was closed', { requestId: id }));
    }
    await this.connection.close();
  }

  /**
   * Publishes (or re-publishes) a pending request if online; otherwise the next 'online' does.
   * The signed request object is made once and then kept: the bridge identifies a verification by
   * it (docs/protocol.md §5). The client assertion and the DPoP proof are short-lived and made
   * fresh for every publication, so a retry much later (offline, `temporarily_unavailable`) is
   * still accepted by the provider.
   */
  private publishPending(entry: Pending): void {
    if (!this.connection.isOnline) return;
    if (entry.kind === 'verification') entry.published = true;
    this.payloadOf(entry)
      .then((payload) => {
        if (this.pending.get(entry.requestId) !== entry) return undefined;
        return this.connection.publish(requestTopic(this.deviceId, entry.kind), payload);
      })
      .catch((err: unknown) => {
        if (err instanceof DeviceClientError) return this.settle(entry.requestId, err);
        this.logger.debug('request publish interrupted; resent after reconnect', {
          requestId: entry.requestId,
          error: err instanceof Error ? err.message : 'unknown',
        });
      });
  }

  private async payloadOf(entry: Pending): Promise<Buffer> {
    const { keys, providerIssuer: issuer } = this.options;
    const now = this.now();
    try {
      const clientAssertion = await signClientAssertion(keys, { deviceId: this.deviceId, audience: issuer, now });
      if (entry.kind === 'refresh') {
        const dpop = await signDpopProof(keys, {
          htm: 'POST',
          htu: this.options.tokenEndpoint ?? `${issuer.replace(/\/+$/, '')}/token`,
          now,
        });
        const refresh = { type: 'refresh', requestId: entry.requestId, refreshToken: entry.refreshToken } as const;
        return await this.seal({ ...refresh, clientAssertion, dpop });
      }
      entry.requestObject ??= this.buildRequestObject(entry, now);
      const built = entry.requestObject;
      const { request, clientNotificationToken } = await built.catch((err: unknown) => {
        // not kept: the next publication tries again (a JWKS fetch may work then)
        if (entry.requestObject === built) entry.requestObject = undefined;
        throw err;
      });
      return await this.seal({
        type: 'verification',
        requestId: entry.requestId,
        request,
        clientAssertion,
        clientNotificationToken,
      });
    } catch (err) {
      if (err instanceof DeviceClientError) throw err;
      throw new DeviceClientError('key_store_error', 'the request could not be signed', { cause: err });
    }
  }

  /** Signs the request object and, when the provider has a key for it, encrypts it to the provider. */
  private async buildRequestObject(
    entry: PendingVerification,
    now: number,
  ): Promise<{ request: string; clientNotificationToken: string }> {
    const signed = await signRequestObject(this.options.keys, {
      deviceId: this.deviceId,
      issuer: this.options.providerIssuer,
      now,
      lifetimeSeconds: this.options.requestObjectLifetimeSeconds ?? 600,
      params: entry.params,
    });
    const providerKey = await this.requestObjectKey();
    const request = providerKey ? await encryptRequestObject(signed.request, providerKey) : signed.request;
    return { request, clientNotificationToken: signed.clientNotificationToken };
  }

  /** The provider's key for request objects: given, from the given JWKS, or fetched once from its URI. */
  private requestObjectKey(): Promise<JWK | undefined> {
    const { providerEncryptionKey: given, providerJwks, providerJwksUri } = this.options;
    if (given === false) return Promise.resolve(undefined);
    if (given) return Promise.resolve(given);
    if (providerJwks) return Promise.resolve(requestObjectEncryptionKeyOf(providerJwks));
    const now = this.now();
    // The provider rotates this key (`keys rotate`) and decrypts with the old one for a day:
    // read the JWKS again at least hourly so a long-running head-unit follows the rotation.
    if (this.providerKey && now - this.providerKey.fetchedAt < PROVIDER_KEY_MAX_AGE_MS) return this.providerKey.key;
    const fetched = {
      fetchedAt: now,
      key: fetchJson(providerJwksUri as string)
        .then(requestObjectEncryptionKeyOf)
        .catch((err: unknown) => {
          if (this.providerKey === fetched) this.providerKey = undefined; // tried again for the next request
          throw new DeviceClientError(
            'provider_error',
            `the provider JWKS at ${displayUrl(providerJwksUri as string)} could not be fetched: ${describeCause(err)}`,
            { cause: err },
          );
        }),
    };
    this.providerKey = fetched;
    return fetched.key;
  }

  /** docs/protocol.md §5a: sealed to the bridge's key, a fresh ephemeral key each publication. */
  private async seal(message: DeviceMessage): Promise<Buffer> {
    try {
      return await sealDeviceMessage(message, this.options.bridgeEncryptionKey);
    } catch (err) {
      throw new DeviceClientError(
        'invalid_argument',
        `the request could not be sealed to bridgeEncryptionKey (expected an EC P-256 or OKP X25519 public JWK): ${err instanceof Error ? err.message : 'unknown error'}`,
        { cause: err },
      );
    }
  }

  private publishControl(message: DeviceMessage): void {
    const key = `${message.type}:${message.requestId}`;
    this.outbox.set(key, message);
    this.flushControl(key, message);
  }

  private flushControl(key: string, message: DeviceMessage): void {
    if (!this.connection.isOnline) return;
    this.connection
      .publish(requestTopic(this.deviceId, message.type), encodeDeviceMessage(message))
      .then(() => {
        if (this.outbox.get(key) === message) this.outbox.delete(key);
      })
      .catch(() => undefined); // kept in the outbox, resent on the next 'online'
  }

  private onOnline(): void {
    // resume: every unfinished request again with its request_id, then the unconfirmed control messages
    for (const entry of this.pending.values()) this.publishPending(entry);
    for (const [key, message] of this.outbox) this.flushControl(key, message);
    this.emit('online');
  }

  private onFatal(err: DeviceClientError): void {
    this.logger.error('device refused by the broker; client closed', { deviceId: this.deviceId, code: err.code });
    this.emit('connectionError', err);
    for (const id of [...this.pending.keys()]) {
      this.settle(id, new DeviceClientError(err.code, err.message, { requestId: id }));
    }
    void this.close();
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseTopic(topic);
    if (!parsed || parsed.direction !== 'reply' || parsed.deviceId !== this.deviceId || !parsed.type) {
      this.logger.debug('message on an unexpected topic ignored', { deviceId: this.deviceId });
      return;
    }
    const decoded = decodeBridgeMessage(parsed.type, payload);
    if (!decoded.ok) {
      this.logger.warn('unreadable message from the bridge ignored', {
        deviceId: this.deviceId,
        type: parsed.type,
        problem: decoded.description,
      });
      return;
    }
    const message = decoded.message;
    switch (message.type) {
      case 'ack':
        return this.onAck(message);
      case 'status':
        return this.onStatus(message);
      case 'result':
        return void this.onResult(message);
      case 'error':
        return this.onProtocolError(message);
    }
  }

  private onAck(message: AckMessage): void {
    const entry = this.pending.get(message.requestId);
    if (entry?.kind !== 'verification' || entry.handle.authReqId !== undefined) return; // repeats are expected
    entry.handle.acknowledge({ authReqId: message.authReqId, expiresIn: message.expiresIn });
    // the acknowledgement sets the deadline: expires_in (CIBA §7.3) plus a grace for delivery
    clearTimeout(entry.timer);
    entry.timer = setTimeout(
      () => this.abandon(entry.requestId, timeout(entry.requestId, 'no result arrived before the request expired')),
      message.expiresIn * 1000 + (this.options.resultGraceMs ?? 30_000),
    );
  }

  private onStatus(message: StatusMessage): void {
    const entry = this.pending.get(message.requestId);
    if (entry?.kind !== 'verification' || message.status === 'cancelled') return;
    entry.handle.changeStatus(message.status);
  }

  private async onResult(message: ResultMessage): Promise<void> {
    const { requestId } = message;
    const entry = this.pending.get(requestId);
    if (!entry) {
      if (this.settled.has(requestId)) {
        this.logger.debug('repeated result confirmed again', { requestId });
      } else {
        this.logger.warn('result for an unknown request acknowledged and dropped', { requestId });
        this.remember(requestId);
        this.emit('unclaimedResult', { requestId });
      }
      // a redelivery: the earlier result-ack may not have arrived, so confirm again
      return this.publishControl({ type: 'result-ack', requestId });
    }
    // taken out before any await: a redelivery arriving meanwhile is only acknowledged
    this.pending.delete(requestId);
    clearTimeout(entry.timer);
    this.remember(requestId);
    let outcome: VerifiedTokens | RefreshedTokens | DeviceClientError;
    if (!('encryptedTokenResponse' in message)) {
      outcome = errorFromWire(message.error, message.errorDescription, requestId);
    } else {
      outcome = await this.openTokens(entry, message).catch((err: unknown) =>
        err instanceof DeviceClientError
          ? err
          : new DeviceClientError('invalid_token_response', 'the result could not be processed', {
              cause: err,
              requestId,
            }),
      );
    }
    if (outcome instanceof DeviceClientError) {
      this.logger.info('request failed', { requestId, code: outcome.code });
      this.rejectEntry(entry, outcome);
    } else if (entry.kind === 'verification') {
      this.logger.info('owner verification succeeded', { requestId });
      entry.handle.resolve(outcome as VerifiedTokens);
    } else {
      this.logger.info('tokens refreshed', { requestId });
      entry.resolve(outcome);
    }
    this.publishControl({ type: 'result-ack', requestId });
  }

  private openTokens(
    entry: Pending,
    message: Extract<ResultMessage, { encryptedTokenResponse: string }>,
  ): Promise<VerifiedTokens | RefreshedTokens> {
    const ctx: TokenVerificationContext = {
      keys: this.options.keys,
      jwks: this.jwks,
      ...(this.options.providerJwksUri === undefined ? {} : { jwksUri: this.options.providerJwksUri }),
      issuer: this.options.providerIssuer,
      clientId: this.deviceId,
      algorithms: this.options.idTokenAlgorithms ?? DEFAULT_ID_TOKEN_ALGORITHMS,
      now: this.now(),
      clockToleranceSeconds: this.options.clockToleranceSeconds ?? 30,
      requestedScope: entry.scope,
      requestId: entry.requestId,
    };
    if (entry.kind === 'refresh') {
      if (message.status !== 'refreshed') throw protocolError(entry.requestId, `unexpected status ${message.status}`);
      return openRefreshResult(message.encryptedTokenResponse, ctx);
    }
    if (message.status !== 'approved') throw protocolError(entry.requestId, `unexpected status ${message.status}`);
    // the auth_req_id the ID token must carry is the acknowledged one (CIBA §10.3.1)
    const acked = entry.handle.authReqId;
    if (acked !== undefined && message.authReqId !== undefined && acked !== message.authReqId) {
      throw protocolError(entry.requestId, 'the result names another auth_req_id than the acknowledgement');
    }
    return openVerificationResult(message.encryptedTokenResponse, acked ?? message.authReqId, ctx);
  }

  private onProtocolError(message: ErrorMessage): void {
    const { requestId } = message;
    if (requestId === null) {
      this.logger.warn('the bridge refused a message', { deviceId: this.deviceId, error: message.error });
      return;
    }
    const entry = this.pending.get(requestId);
    if (!entry) {
      // e.g. unknown_request for a cancel or a result-ack of a request already settled
      this.logger.debug('protocol error for a settled request', { requestId, error: message.error });
      return;
    }
    if (message.error === 'temporarily_unavailable') {
      // docs/protocol.md §7: retry later with the same request_id; the deadline timer still runs
      const delay = reconnectDelay(entry.retries++, this.options.reconnect ?? DEFAULT_RECONNECT, Math.random);
      this.logger.info('provider unavailable; request retried', { requestId, delayMs: delay });
      setTimeout(() => {
        if (this.pending.get(requestId) === entry) this.publishPending(entry);
      }, delay).unref();
      return;
    }
    this.settle(requestId, errorFromWire(message.error, message.errorDescription, requestId));
  }

  /** Gives up on a request (cancel, abort, timeout): tells the bridge to drop it. */
  private abandon(requestId: string, err: DeviceClientError): void {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    this.settle(requestId, err);
    if (entry.kind === 'verification' && entry.published) {
      // docs/protocol.md §6.2: no result is delivered after a cancellation
      this.publishControl({ type: 'cancel', requestId });
    }
  }

  private settle(requestId: string, err: DeviceClientError): void {
    const entry = this.pending.get(requestId);
    if (!entry) return;
    this.pending.delete(requestId);
    clearTimeout(entry.timer);
    this.remember(requestId);
    this.rejectEntry(entry, err);
  }

  private rejectEntry(entry: Pending, err: DeviceClientError): void {
    if (entry.kind === 'verification') entry.handle.reject(err);
    else entry.reject(err);
  }

  private remember(requestId: string): void {
    this.settled.add(requestId);
    if (this.settled.size > SETTLED_MEMORY) {
      this.settled.delete(this.settled.values().next().value as string);
    }
  }
}

/** How long a request-object encryption key read from the provider's JWKS URI is used before it is read again. */
const PROVIDER_KEY_MAX_AGE_MS = 60 * 60 * 1000;

/** GET a JSON document (the provider's JWKS) within 10 s. */
async function fetchJson(url: string): Promise<{ keys?: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as { keys?: unknown };
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

function invalidArgument(message: string): DeviceClientError {
  return new DeviceClientError('invalid_argument', message);
}

function cancelled(requestId: string, cause?: unknown): DeviceClientError {
  return new DeviceClientError('cancelled', 'the request was cancelled', { requestId, cause });
}

function timeout(requestId: string, message: string): DeviceClientError {
  return new DeviceClientError('timeout', message, { requestId });
}

function protocolError(requestId: string, message: string): DeviceClientError {
  return new DeviceClientError('protocol_error', message, { requestId });
}
