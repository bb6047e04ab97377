import { EventEmitter } from 'node:events';
import { DeviceClientError } from '../errors';
import type { RefreshedTokens } from '../tokens/verify-token-response';
import type {
  DeviceClientEvents,
  DeviceClientOptions,
  OwnerVerificationRequest,
  RefreshOptions,
} from './device-client-options';
import { refreshTokens } from './operations/refresh';
import { requestOwnerVerification } from './operations/verification';
import { dispatchReply } from './replies';
import { closed } from './request-errors';
import { ClientSession } from './session';
import type { VerificationHandle } from './verification-handle';

export * from './device-client-options';

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
 *
 * The class is a facade: the connection lives in `connection/device-connection.ts`, each
 * operation in `client/operations/` (verification, cancel, refresh, result-ack), the reply
 * dispatcher in `client/replies.ts`.
 */
export class DeviceClient extends EventEmitter<DeviceClientEvents> {
  /** The device id. */
  readonly deviceId: string;
  private readonly session: ClientSession;

  /** @internal use {@link connect}. */
  constructor(options: DeviceClientOptions) {
    super();
    const session = new ClientSession(options);
    this.session = session;
    this.deviceId = session.deviceId;
    const { connection, logger } = session;
    const events = { unclaimedResult: (requestId: string) => this.emit('unclaimedResult', { requestId }) };
    connection.on('message', (topic, payload) => dispatchReply(session, topic, payload, events));
    connection.on('online', () => {
      // resume: every unfinished request again with its request_id, then the unconfirmed control messages
      for (const entry of session.requests.all()) session.publish(entry);
      session.control.flush();
      this.emit('online');
    });
    connection.on('offline', () => this.emit('offline'));
    connection.on('reconnecting', (info) => this.emit('reconnecting', info));
    connection.on('connectionError', (err) => {
      logger.warn('device connection attempt failed', { deviceId: this.deviceId, code: err.code });
      this.emit('connectionError', err);
    });
    connection.on('fatal', (err) => {
      logger.error('device refused by the broker; client closed', { deviceId: this.deviceId, code: err.code });
      this.emit('connectionError', err);
      for (const entry of session.requests.all()) {
        session.requests.fail(
          entry.requestId,
          new DeviceClientError(err.code, err.message, { requestId: entry.requestId }),
        );
      }
      void this.close();
    });
  }

  /** True while connected and subscribed. */
  get connected(): boolean {
    return this.session.connection.isOnline;
  }

  /** @internal called by {@link connect}. */
  start(signal?: AbortSignal): Promise<void> {
    return this.session.connection.start(signal);
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
    return requestOwnerVerification(this.session, request);
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
  refresh(
    tokens: { refreshToken?: string; scope?: string } | string,
    options: RefreshOptions = {},
  ): Promise<RefreshedTokens> {
    return refreshTokens(this.session, tokens, options);
  }

  /**
   * Disconnects. Pending requests reject with `closed`; the bridge keeps their results, but a new
   * client cannot claim them (it acknowledges and drops them as `unclaimedResult`).
   * @example process.on('SIGTERM', () => void client.close());
   */
  async close(): Promise<void> {
    if (this.session.closed) return;
    this.session.closed = true;
    for (const entry of this.session.requests.all())
      this.session.requests.fail(entry.requestId, closed(entry.requestId));
    await this.session.connection.close();
  }
}
