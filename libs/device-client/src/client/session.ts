import { createLocalJWKSet, createRemoteJWKSet, type JWK, type JWTVerifyGetKey } from 'jose';
import { isValidDeviceId, requestTopic, sealDeviceMessage, type DeviceMessage } from '@onboard/mqtt-contract';
import { DeviceConnection } from '../connection/device-connection';
import { DEFAULT_RECONNECT } from '../connection/backoff';
import { DeviceClientError, describeCause, displayUrl } from '../errors';
import { requestObjectEncryptionKeyOf, signClientAssertion } from '../jwt/device-jwts';
import { silentLogger, type DeviceClientLogger } from '../logger';
import { DEFAULT_ID_TOKEN_ALGORITHMS, type TokenVerificationContext } from '../tokens/verify-token-response';
import { ControlOutbox } from './control-outbox';
import { DEFAULT_BRIDGE_AUDIENCE, type DeviceClientOptions } from './device-client-options';
import { PendingRequests, type PendingRequest } from './pending-requests';
import { invalidArgument } from './request-errors';

/**
 * What the operations of one client share: its options, its connection, the requests in flight and
 * the control outbox. The operations (verification, cancel, refresh, result-ack) are functions of
 * a session, one file each, as MQTT.js keeps one handler per packet type.
 */
export class ClientSession {
  readonly deviceId: string;
  readonly connection: DeviceConnection;
  readonly requests = new PendingRequests();
  readonly control: ControlOutbox;
  readonly logger: DeviceClientLogger;
  readonly now: () => number;
  /** The provider's JWKS, to verify ID tokens. */
  readonly jwks: JWTVerifyGetKey;
  closed = false;
  /** The provider's request-object encryption key as last fetched (undefined: it publishes none), and when. */
  private providerKey?: { key: Promise<JWK | undefined>; fetchedAt: number };

  constructor(readonly options: DeviceClientOptions) {
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
    this.control = new ControlOutbox(this.connection, this.deviceId);
  }

  /**
   * Publishes (or re-publishes) a pending request if online; otherwise the next 'online' does.
   * Its payload is made for each publication (docs/protocol.md §5: same request, fresh assertion).
   */
  publish(entry: PendingRequest): void {
    if (!this.connection.isOnline) return;
    if (entry.kind === 'verification') entry.published = true;
    entry
      .payload()
      .then((payload) => {
        if (!this.requests.isCurrent(entry)) return undefined;
        return this.connection.publish(requestTopic(this.deviceId, entry.kind), payload);
      })
      .catch((err: unknown) => {
        if (err instanceof DeviceClientError) return this.requests.fail(entry.requestId, err);
        this.logger.debug('request publish interrupted; resent after reconnect', {
          requestId: entry.requestId,
          error: err instanceof Error ? err.message : 'unknown',
        });
      });
  }

  /** A fresh `private_key_jwt` client assertion for the provider (RFC 7523 §3). */
  clientAssertion(now: number): Promise<string> {
    return signClientAssertion(this.options.keys, {
      deviceId: this.deviceId,
      audience: this.options.providerIssuer,
      now,
    });
  }

  /** docs/protocol.md §5a: sealed to the bridge's key, a fresh ephemeral key each publication. */
  async seal(message: DeviceMessage): Promise<Buffer> {
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

  /** The provider's key for request objects: given, from the given JWKS, or fetched from its URI (again after an hour). */
  requestObjectKey(): Promise<JWK | undefined> {
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

  /** What verifying the tokens of a result for `entry` needs. */
  verificationContext(entry: PendingRequest): TokenVerificationContext {
    const o = this.options;
    return {
      keys: o.keys,
      jwks: this.jwks,
      ...(o.providerJwksUri === undefined ? {} : { jwksUri: o.providerJwksUri }),
      issuer: o.providerIssuer,
      clientId: this.deviceId,
      algorithms: o.idTokenAlgorithms ?? DEFAULT_ID_TOKEN_ALGORITHMS,
      now: this.now(),
      clockToleranceSeconds: o.clockToleranceSeconds ?? 30,
      requestedScope: entry.scope,
      requestId: entry.requestId,
    };
  }
}

/** GET a JSON document (the provider's JWKS) within 10 s. */
async function fetchJson(url: string): Promise<{ keys?: unknown }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return (await res.json()) as { keys?: unknown };
}

/** How long a request-object encryption key read from the provider's JWKS URI is used before it is read again. */
const PROVIDER_KEY_MAX_AGE_MS = 60 * 60 * 1000;
