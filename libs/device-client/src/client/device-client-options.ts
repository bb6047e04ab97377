import type { JSONWebKeySet, JWK } from 'jose';
import type { BridgeEncryptionKey } from '@onboard/mqtt-contract';
import type { DeviceTlsOptions } from '../connection/device-connection';
import type { ReconnectOptions } from '../connection/backoff';
import type { DeviceClientError } from '../errors';
import type { DeviceKeyStore } from '../keys/device-key-store';
import type { DeviceClientLogger } from '../logger';

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
