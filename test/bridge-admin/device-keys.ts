import { exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';

/** A head-unit's two key pairs, generated "on the device". */
export interface DeviceKeyPairs {
  deviceId: string;
  sigPrivate: CryptoKey;
  encPrivate: CryptoKey;
  /** `{keys: [sig, enc]}` as registered. */
  jwks: { keys: JWK[] };
}

/** ES256 signing key (`use: sig`) and X25519 encryption key (`use: enc`), public halves in a JWKS. */
export async function createDeviceKeys(deviceId: string): Promise<DeviceKeyPairs> {
  const sig = await generateKeyPair('ES256', { extractable: true });
  const enc = await generateKeyPair('ECDH-ES+A256KW', { crv: 'X25519', extractable: true });
  const sigJwk = { ...(await exportJWK(sig.publicKey)), use: 'sig', alg: 'ES256', kid: `${deviceId}-sig` };
  const encJwk = { ...(await exportJWK(enc.publicKey)), use: 'enc', alg: 'ECDH-ES+A256KW', kid: `${deviceId}-enc` };
  return { deviceId, sigPrivate: sig.privateKey, encPrivate: enc.privateKey, jwks: { keys: [sigJwk, encJwk] } };
}
