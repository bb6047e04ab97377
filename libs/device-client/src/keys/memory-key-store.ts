import {
  CompactSign,
  calculateJwkThumbprint,
  compactDecrypt,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { DeviceClientError } from '../errors';
import {
  DEVICE_ENCRYPTION_ALG,
  DEVICE_ENCRYPTION_ENC,
  DEVICE_SIGNING_ALG,
  type DeviceJwsHeader,
  type DeviceKeyStore,
  type DevicePublicJwk,
  type DevicePublicJwks,
} from './device-key-store';

/** A device's private keys as JWKs: what {@link FileKeyStore} keeps in its file. Secret material. */
export interface DevicePrivateJwks {
  /** ES256 private key (`d` present), `use: sig`. */
  signing: JWK;
  /** X25519 private key (`d` present), `use: enc`. */
  encryption: JWK;
}

/**
 * Generates a device's two key pairs: an ES256 signing key and an X25519 encryption key, each with
 * `kid` = its RFC 7638 thumbprint. Returns the private JWKs (keep them on the device) and the public
 * JWKS (register it).
 * @example
 * const { privateJwks, publicJwks } = await generateDeviceKeys();
 * await registerDevice({ deviceId: 'hu-7f3a', jwks: publicJwks });
 * const keys = new MemoryKeyStore(privateJwks);
 */
export async function generateDeviceKeys(): Promise<{ privateJwks: DevicePrivateJwks; publicJwks: DevicePublicJwks }> {
  const sig = await generateKeyPair(DEVICE_SIGNING_ALG, { extractable: true });
  const enc = await generateKeyPair(DEVICE_ENCRYPTION_ALG, { crv: 'X25519', extractable: true });
  const signing = await labelled(await exportJWK(sig.privateKey), 'sig', DEVICE_SIGNING_ALG);
  const encryption = await labelled(await exportJWK(enc.privateKey), 'enc', DEVICE_ENCRYPTION_ALG);
  const privateJwks = { signing, encryption };
  return { privateJwks, publicJwks: publicJwksOf(privateJwks) };
}

/**
 * The public JWKS of a device's private JWKs (private members removed).
 * @example publicJwksOf(privateJwks).keys.map((k) => k.use) // ['sig', 'enc']
 */
export function publicJwksOf(privateJwks: DevicePrivateJwks): DevicePublicJwks {
  return { keys: [publicPart(privateJwks.signing), publicPart(privateJwks.encryption)] };
}

/**
 * A key store holding the keys in memory, as non-extractable `CryptoKey`s. For tests and for
 * devices that load keys from their own secure storage.
 * @example
 * const keys = await MemoryKeyStore.generate();
 * const client = await connect({ url, deviceId, keys, providerIssuer, providerJwks });
 */
export class MemoryKeyStore implements DeviceKeyStore {
  private readonly publicJwks: DevicePublicJwks;
  private readonly signingKey: Promise<CryptoKey>;
  private readonly encryptionKey: Promise<CryptoKey>;
  private readonly jkt: Promise<string>;

  /** Wraps existing private JWKs (from {@link generateDeviceKeys} or your own storage). */
  constructor(privateJwks: DevicePrivateJwks) {
    checkPrivateJwk(privateJwks.signing, 'EC', 'P-256');
    checkPrivateJwk(privateJwks.encryption, 'OKP', 'X25519');
    this.publicJwks = publicJwksOf(privateJwks);
    const noExport = { extractable: false };
    this.signingKey = importJWK(privateJwks.signing, DEVICE_SIGNING_ALG, noExport) as Promise<CryptoKey>;
    this.encryptionKey = importJWK(privateJwks.encryption, DEVICE_ENCRYPTION_ALG, noExport) as Promise<CryptoKey>;
    // keep rejections from surfacing as unhandled before the first use
    this.signingKey.catch(() => undefined);
    this.encryptionKey.catch(() => undefined);
    this.jkt = calculateJwkThumbprint(this.publicJwks.keys[0], 'sha256');
  }

  /** A store with freshly generated keys. */
  static async generate(): Promise<MemoryKeyStore> {
    return new MemoryKeyStore((await generateDeviceKeys()).privateJwks);
  }

  /** {@inheritDoc DeviceKeyStore.getPublicJwks} */
  async getPublicJwks(): Promise<DevicePublicJwks> {
    return structuredClone(this.publicJwks);
  }

  /** {@inheritDoc DeviceKeyStore.thumbprint} */
  thumbprint(): Promise<string> {
    return this.jkt;
  }

  /** {@inheritDoc DeviceKeyStore.signJwt} */
  async signJwt(header: DeviceJwsHeader, payload: Record<string, unknown>): Promise<string> {
    if (header.alg !== DEVICE_SIGNING_ALG) {
      throw new DeviceClientError('key_store_error', `the signing key does not sign ${header.alg}`);
    }
    const key = await this.keyOrFail(this.signingKey);
    return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ ...header, alg: DEVICE_SIGNING_ALG })
      .sign(key);
  }

  /** {@inheritDoc DeviceKeyStore.decrypt} */
  async decrypt(jwe: string): Promise<Uint8Array> {
    const key = await this.keyOrFail(this.encryptionKey);
    const { plaintext } = await compactDecrypt(jwe, key, {
      keyManagementAlgorithms: [DEVICE_ENCRYPTION_ALG],
      contentEncryptionAlgorithms: [DEVICE_ENCRYPTION_ENC],
    });
    return plaintext;
  }

  private async keyOrFail(key: Promise<CryptoKey>): Promise<CryptoKey> {
    try {
      return await key;
    } catch (err) {
      throw new DeviceClientError('key_store_error', 'a device key could not be imported', { cause: err });
    }
  }
}

async function labelled(jwk: JWK, use: 'sig' | 'enc', alg: string): Promise<JWK> {
  const kid = await calculateJwkThumbprint(jwk, 'sha256');
  return { ...jwk, kid, use, alg };
}

function publicPart(jwk: JWK): DevicePublicJwk {
  // RFC 7518 §6.2.2 / RFC 8037 §2: `d` is the only private member of EC and OKP keys
  const { d: _d, ext: _ext, key_ops: _ops, ...rest } = jwk;
  return rest as DevicePublicJwk;
}

function checkPrivateJwk(jwk: JWK, kty: string, crv: string): void {
  if (jwk?.kty !== kty || jwk.crv !== crv || typeof jwk.d !== 'string' || typeof jwk.kid !== 'string') {
    throw new DeviceClientError('key_store_error', `expected a private ${kty} ${crv} JWK with a kid`);
  }
}
