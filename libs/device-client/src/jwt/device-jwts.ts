import { CompactEncrypt, base64url, importJWK, type JWK } from 'jose';
import {
  CONNECT_CREDENTIAL_TYPE,
  DEFAULT_CONNECT_CREDENTIAL_LIFETIME_SECONDS,
  MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS,
} from '@onboard/mqtt-contract';
import { signingKeyOf, type DeviceKeyStore } from '../keys/device-key-store';

/**
 * The JWTs a device signs, all with its signing key through the {@link DeviceKeyStore} (the private
 * key never leaves the store): the MQTT connect credential, the CIBA signed authentication request,
 * the `private_key_jwt` client assertion and the DPoP proof.
 */

/** Longest request object lifetime the provider accepts (FAPI-CIBA §5.2.2-9, CIBA §7.1.1). */
export const MAX_REQUEST_OBJECT_LIFETIME_SECONDS = 3600;
/** Lifetime of a client assertion (RFC 7523 §3: short-lived). */
const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

/** 16 random bytes, base64url: a `jti`, a request id, a client notification token (128 bits). */
export function randomId(bytes = 16): string {
  // WebCrypto (Node, Deno, Bun and browsers alike), not node:crypto
  return base64url.encode(globalThis.crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * The MQTT connect credential (docs/protocol.md §2.3): `typ: onboard-connect+jwt`, `iss` = `sub` =
 * device id, `aud` = the bridge's audience, a fresh `jti`, a lifetime of 120 s by default. Same
 * claims as `signConnectCredential` of `@onboard/mqtt-contract`, but signed by the key store.
 */
export async function createConnectCredential(
  keys: DeviceKeyStore,
  input: { deviceId: string; audience: string; now: number; lifetimeSeconds?: number },
): Promise<{ credential: string; jti: string }> {
  const sig = signingKeyOf(await keys.getPublicJwks());
  const iat = Math.floor(input.now / 1000);
  const lifetime = Math.min(
    input.lifetimeSeconds ?? DEFAULT_CONNECT_CREDENTIAL_LIFETIME_SECONDS,
    MAX_CONNECT_CREDENTIAL_LIFETIME_SECONDS,
  );
  const jti = randomId();
  const credential = await keys.signJwt(
    { alg: sig.alg, kid: sig.kid, typ: CONNECT_CREDENTIAL_TYPE },
    { iss: input.deviceId, sub: input.deviceId, aud: input.audience, iat, exp: iat + lifetime, jti },
  );
  return { credential, jti };
}

/** The CIBA parameters of a signed authentication request (CIBA §7.1), wire names aside. */
export interface AuthenticationRequestParams {
  scope: string;
  loginHint?: string;
  idTokenHint?: string;
  loginHintToken?: string;
  bindingMessage?: string;
  userCode?: string;
  requestedExpiry?: number;
  authorizationDetails?: readonly Record<string, unknown>[];
  acrValues?: string;
}

/**
 * A signed authentication request object (CIBA §7.1.1): `iss` = client id, `aud` = the provider's
 * issuer, `iat`/`nbf`/`exp`/`jti`, the authentication parameters, a fresh `client_notification_token`
 * (CIBA §7.1, push mode; ≥ 128 bits) and `dpop_jkt` (the signing key's thumbprint, so the tokens are
 * bound to this device's key, RFC 9449 §10 applied to CIBA).
 */
export async function signRequestObject(
  keys: DeviceKeyStore,
  input: {
    deviceId: string;
    issuer: string;
    now: number;
    lifetimeSeconds: number;
    params: AuthenticationRequestParams;
  },
): Promise<{ request: string; jti: string; clientNotificationToken: string }> {
  const sig = signingKeyOf(await keys.getPublicJwks());
  const iat = Math.floor(input.now / 1000);
  const lifetime = Math.min(input.lifetimeSeconds, MAX_REQUEST_OBJECT_LIFETIME_SECONDS);
  const jti = randomId();
  const clientNotificationToken = randomId(32);
  const p = input.params;
  const claims = dropUndefined({
    iss: input.deviceId,
    aud: input.issuer,
    iat,
    nbf: iat,
    exp: iat + lifetime,
    jti,
    scope: p.scope,
    login_hint: p.loginHint,
    id_token_hint: p.idTokenHint,
    login_hint_token: p.loginHintToken,
    binding_message: p.bindingMessage,
    user_code: p.userCode,
    requested_expiry: p.requestedExpiry,
    acr_values: p.acrValues,
    authorization_details: p.authorizationDetails,
    client_notification_token: clientNotificationToken,
    dpop_jkt: await keys.thumbprint(),
  });
  const request = await keys.signJwt({ alg: sig.alg, kid: sig.kid }, claims);
  return { request, jti, clientNotificationToken };
}

/** JWE algorithms of request objects encrypted to the provider (its `request_object_encryption_*` metadata). */
export const REQUEST_OBJECT_ENCRYPTION = { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' } as const;

/**
 * The provider's key for encrypted request objects in its JWK set: the first with `use` `enc`
 * and `alg` `ECDH-ES+A256KW` (the provider lists its newest key first); undefined when it
 * publishes none.
 */
export function requestObjectEncryptionKeyOf(jwks: { keys?: unknown }): JWK | undefined {
  const keys = Array.isArray(jwks.keys) ? (jwks.keys as JWK[]) : [];
  return keys.find((k) => k.use === 'enc' && k.alg === REQUEST_OBJECT_ENCRYPTION.alg);
}

/**
 * A signed request object encrypted to the provider (RFC 9101 §6.1; a nested JWT, RFC 7519
 * §5.2, `cty` `JWT`): the bridge relays it without being able to read the login hint or the
 * binding message.
 */
export async function encryptRequestObject(signedRequest: string, providerKey: JWK): Promise<string> {
  const key = await importJWK({ ...providerKey, alg: REQUEST_OBJECT_ENCRYPTION.alg }, REQUEST_OBJECT_ENCRYPTION.alg);
  return new CompactEncrypt(new TextEncoder().encode(signedRequest))
    .setProtectedHeader({
      ...REQUEST_OBJECT_ENCRYPTION,
      cty: 'JWT',
      ...(providerKey.kid === undefined ? {} : { kid: providerKey.kid }),
    })
    .encrypt(key);
}

/**
 * A `private_key_jwt` client assertion (RFC 7523 §3, OIDC Core §9): `iss` = `sub` = client id,
 * `aud` = the provider's issuer, a fresh `jti`, 60 s of lifetime.
 */
export async function signClientAssertion(
  keys: DeviceKeyStore,
  input: { deviceId: string; audience: string; now: number },
): Promise<string> {
  const sig = signingKeyOf(await keys.getPublicJwks());
  const iat = Math.floor(input.now / 1000);
  return keys.signJwt(
    { alg: sig.alg, kid: sig.kid },
    {
      iss: input.deviceId,
      sub: input.deviceId,
      aud: input.audience,
      iat,
      exp: iat + CLIENT_ASSERTION_LIFETIME_SECONDS,
      jti: randomId(),
    },
  );
}

/**
 * A DPoP proof (RFC 9449 §4.2): `typ: dpop+jwt`, the public signing key in `jwk`, `jti`, `htm`,
 * `htu` (without query and fragment, §4.2), `iat`.
 */
export async function signDpopProof(
  keys: DeviceKeyStore,
  input: { htm: string; htu: string; now: number },
): Promise<string> {
  const { kid: _kid, use: _use, alg, ...jwk } = signingKeyOf(await keys.getPublicJwks());
  const url = new URL(input.htu);
  url.search = '';
  url.hash = '';
  return keys.signJwt(
    { alg, typ: 'dpop+jwt', jwk },
    { jti: randomId(), htm: input.htm, htu: url.toString(), iat: Math.floor(input.now / 1000) },
  );
}

function dropUndefined(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}
