import { SignJWT, createLocalJWKSet, errors, jwtVerify, type CryptoKey, type JWK, type KeyObject } from 'jose';
import { isValidDeviceId } from './topics';

/**
 * The connect credential (docs/protocol.md, "Connecting"): the MQTT password is a short-lived JWT
 * signed by the device's own key. `iss` and `sub` are the device id (= MQTT client id), `aud` is the
 * broker's audience string, `jti` makes each credential single-use, and the `typ` header keeps it
 * from being confused with the device's other JWTs (RFC 8725 §3.11).
 */

/** JWS algorithms a connect credential may use. `Ed25519` is the fully-specified name of `EdDSA` (RFC 9864). */
export const CONNECT_CREDENTIAL_ALGORITHMS = ['ES256', 'EdDSA', 'Ed25519'] as const;
export type ConnectCredentialAlgorithm = (typeof CONNECT_CREDENTIAL_ALGORITHMS)[number];

/** The `typ` header value of a connect credential. */
export const CONNECT_CREDENTIAL_TYPE = 'onboard-connect+jwt';

/** Default lifetime of a credential a device creates. */
export const DEFAULT_CONNECT_CREDENTIAL_LIFETIME_SECONDS = 120;

/** Longest lifetime (`exp` − `iat`) the bridge accepts. */
export const MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS = 600;

/** Longest credential (bytes) the bridge reads. */
export const MAX_CONNECT_CREDENTIAL_LENGTH = 2048;

/** Input of {@link signConnectCredential}. */
export interface SignConnectCredentialInput {
  deviceId: string;
  /** The device's private signing key. */
  privateKey: CryptoKey | KeyObject | JWK | Uint8Array;
  alg: ConnectCredentialAlgorithm;
  /** The broker's audience string, from its configuration. */
  audience: string;
  /** Key id of the registered public key, when the device has several. */
  kid?: string;
  /** A fresh unique id; use a random 16-byte base64url string. */
  jti: string;
  lifetimeSeconds?: number;
  /** Current time in milliseconds since the epoch. */
  now: number;
}

/**
 * Creates a connect credential (device side). Create a fresh one for every connection attempt:
 * the bridge refuses a `jti` it has already seen.
 * @example
 * const password = await signConnectCredential({
 *   deviceId: 'hu-7f3a', privateKey, alg: 'ES256', audience: 'urn:onboard:bridge',
 *   jti: randomUUID(), now: Date.now(),
 * });
 * mqtt.connect(url, { clientId: 'hu-7f3a', username: 'hu-7f3a', password });
 */
export async function signConnectCredential(input: SignConnectCredentialInput): Promise<string> {
  const iat = Math.floor(input.now / 1000);
  const lifetime = input.lifetimeSeconds ?? DEFAULT_CONNECT_CREDENTIAL_LIFETIME_SECONDS;
  return new SignJWT({})
    .setProtectedHeader({ alg: input.alg, typ: CONNECT_CREDENTIAL_TYPE, ...(input.kid ? { kid: input.kid } : {}) })
    .setIssuer(input.deviceId)
    .setSubject(input.deviceId)
    .setAudience(input.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetime)
    .setJti(input.jti)
    .sign(input.privateKey);
}

/** Why a connect credential was refused; safe to log (never contains the credential). */
export type ConnectCredentialProblem =
  'malformed' | 'bad_signature' | 'expired' | 'invalid_claims' | 'lifetime_too_long';

/** Thrown by {@link verifyConnectCredential}. */
export class ConnectCredentialError extends Error {
  constructor(
    readonly problem: ConnectCredentialProblem,
    detail: string,
  ) {
    super(`connect credential refused: ${problem} (${detail})`);
    this.name = 'ConnectCredentialError';
  }
}

/** Input of {@link verifyConnectCredential}. */
export interface VerifyConnectCredentialOptions {
  /** The MQTT client id the credential arrived with. */
  deviceId: string;
  /** The device's registered public keys. */
  publicKeys: readonly JWK[];
  audience: string;
  /** Current time in milliseconds since the epoch. */
  now: number;
  clockToleranceSeconds?: number;
  maxLifetimeSeconds?: number;
}

/** What a valid credential proves. */
export interface VerifiedConnectCredential {
  jti: string;
  /** Expiry, in milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Verifies a connect credential (bridge side): signature against the device's registered keys,
 * `typ`, `iss` = `sub` = device id, `aud`, `exp`, `iat`, `jti`, and a lifetime of at most
 * {@link MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS}. Replay of a `jti` is the caller's check.
 * @throws ConnectCredentialError
 */
export async function verifyConnectCredential(
  credential: string,
  options: VerifyConnectCredentialOptions,
): Promise<VerifiedConnectCredential> {
  if (!isValidDeviceId(options.deviceId)) throw new ConnectCredentialError('invalid_claims', 'device id');
  if (credential.length > MAX_CONNECT_CREDENTIAL_LENGTH) throw new ConnectCredentialError('malformed', 'too long');
  const maxLifetime = options.maxLifetimeSeconds ?? MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS;
  const tolerance = options.clockToleranceSeconds ?? 30;
  let payload;
  try {
    ({ payload } = await jwtVerify(credential, createLocalJWKSet({ keys: [...options.publicKeys] }), {
      algorithms: [...CONNECT_CREDENTIAL_ALGORITHMS],
      typ: CONNECT_CREDENTIAL_TYPE,
      issuer: options.deviceId,
      subject: options.deviceId,
      audience: options.audience,
      maxTokenAge: maxLifetime,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: tolerance,
      currentDate: new Date(options.now),
    }));
  } catch (err) {
    throw toCredentialError(err);
  }
  const { exp, iat, jti } = payload as { exp: number; iat: number; jti: unknown };
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 128) {
    throw new ConnectCredentialError('invalid_claims', 'jti');
  }
  if (exp - iat > maxLifetime) throw new ConnectCredentialError('lifetime_too_long', `${exp - iat}s`);
  return { jti, expiresAt: exp * 1000 };
}

function toCredentialError(err: unknown): ConnectCredentialError {
  if (err instanceof errors.JWTExpired) return new ConnectCredentialError('expired', 'exp');
  if (err instanceof errors.JWTClaimValidationFailed) return new ConnectCredentialError('invalid_claims', err.claim);
  if (
    err instanceof errors.JWSSignatureVerificationFailed ||
    err instanceof errors.JWKSNoMatchingKey ||
    err instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new ConnectCredentialError('bad_signature', err.code);
  }
  if (err instanceof errors.JOSEError) return new ConnectCredentialError('malformed', err.code);
  return new ConnectCredentialError('malformed', 'unreadable');
}
