import { checkPublish, checkSubscribe, type AclDecision } from '@onboard/mqtt-contract';

/** A device whose connect credential was verified; the only source of a device id in handlers. */
export interface AuthenticatedDevice {
  readonly deviceId: string;
}

/** A client certificate presented on a mutual-TLS connection. */
export interface PresentedCertificate {
  /** DER bytes of the leaf certificate. */
  raw: Buffer;
  /** True when the TLS layer verified the chain against the configured CA. */
  authorized: boolean;
}

/** What a device presented at CONNECT (MQTT 3.1.1 §3.1.3), after the connection rate limits. */
export interface ConnectAttempt {
  clientId: string;
  username: string | undefined;
  password: Buffer | undefined;
  remoteAddress: string | undefined;
  certificate?: PresentedCertificate;
}

/** CONNACK return codes of MQTT 3.1.1 §3.2.2.3 used when refusing. */
export const CONNACK = {
  identifierRejected: 2,
  serverUnavailable: 3,
  badUsernameOrPassword: 4,
  notAuthorized: 5,
} as const;

/** Why a CONNECT was refused (log and metric label; never the credential). */
export type ConnectRefusal =
  | 'invalid_client_id'
  | 'username_mismatch'
  | 'missing_credential'
  | 'unknown_device'
  | 'device_disabled'
  | 'device_revoked'
  | 'replayed_credential'
  | 'malformed'
  | 'bad_signature'
  | 'expired'
  | 'invalid_claims'
  | 'lifetime_too_long'
  | 'certificate_mismatch'
  | 'directory_unavailable'
  /** The remote address sent too many refused credentials and is blocked for a while (README, "Limits"). */
  | 'source_blocked';

/** The answer of the `authenticate` hook: the device, or the CONNACK code and reason to refuse with. */
export type AuthenticationOutcome =
  | { ok: true; device: AuthenticatedDevice }
  | { ok: false; returnCode: (typeof CONNACK)[keyof typeof CONNACK]; reason: ConnectRefusal };

/**
 * The bridge's device policy hooks, named as aedes names its own (docs/bridge.md, "Device hooks").
 * Each has a documented default; an integrator replaces any of them through the bridge's options.
 */
export interface DeviceHooks {
  /**
   * Runs on every CONNECT, after the connection rate limits and while the remote address is not
   * blocked for refused credentials. Resolves with the authenticated device (its id is the only
   * device id handlers ever see) or a refusal: the CONNACK code and a {@link ConnectRefusal}
   * reason (counted, logged without the credential; the "guess" reasons count against the
   * address). A rejection becomes CONNACK 3 (server unavailable).
   * Default: the device's connect credential (a short-lived JWT signed by a key registered in the
   * device registry) or its mutual-TLS certificate, and the device's status.
   */
  authenticate(attempt: ConnectAttempt): Promise<AuthenticationOutcome>;
  /**
   * Runs on every PUBLISH of an authenticated device. `'allowed'` lets it through (with its retain
   * flag cleared); any other {@link AclDecision} refuses it, which closes the connection (MQTT
   * 3.1.1 cannot refuse one PUBLISH [MQTT-3.3.5-2]) and counts the decision.
   * Default {@link defaultAuthorizePublish}: only the device's own `requests/` level.
   */
  authorizePublish(device: AuthenticatedDevice, topic: string): AclDecision;
  /**
   * Runs on every SUBSCRIBE filter. `'allowed'` grants it; a refusal answers SUBACK 0x80 for that
   * filter (`malformed_topic` closes the connection [MQTT-1.5.3-2]).
   * Default {@link defaultAuthorizeSubscribe}: filters that match inside the device's own subtree only.
   */
  authorizeSubscribe(device: AuthenticatedDevice, filter: string): AclDecision;
}

/**
 * Default `authorizePublish`: a device publishes only to `onboard/v1/devices/{its id}/requests/…`.
 * @example defaultAuthorizePublish({ deviceId: 'a' }, 'onboard/v1/devices/b/requests/cancel') // 'cross_device'
 */
export function defaultAuthorizePublish(device: AuthenticatedDevice, topic: string): AclDecision {
  return checkPublish(device.deviceId, topic);
}

/**
 * Default `authorizeSubscribe`: a filter must not match any topic outside the device's subtree.
 * @example defaultAuthorizeSubscribe({ deviceId: 'a' }, 'onboard/v1/devices/+/replies/+') // 'wildcard_escape'
 */
export function defaultAuthorizeSubscribe(device: AuthenticatedDevice, filter: string): AclDecision {
  return checkSubscribe(device.deviceId, filter);
}
