import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { SEALED_PAYLOAD_ALG, type SealedPayloadKeys } from '@onboard/mqtt-contract';

interface PayloadKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

/**
 * The bridge's encryption keys for sealed device payloads (docs/protocol.md §5a): EC P-256 key
 * pairs for `ECDH-ES+A256KW`. The first key is the one devices are given; the others are kept so
 * that messages sealed to a retired key still open (list the new key first, drop the old one once
 * every device has the new one).
 * @example
 * const { keys, privateJwks } = await BridgePayloadKeys.generate();
 * await writeFile(file, JSON.stringify({ keys: privateJwks }), { mode: 0o600 });
 * keys.publicJwks; // [{ kty: 'EC', crv: 'P-256', x, y, kid, use: 'enc', alg: 'ECDH-ES+A256KW' }]
 */
export class BridgePayloadKeys {
  private constructor(private readonly keys: PayloadKey[]) {}

  /** A new key set of one fresh P-256 key; `privateJwks` is what to store. */
  static async generate(): Promise<{ keys: BridgePayloadKeys; privateJwks: JWK[] }> {
    const { privateKey } = await generateKeyPair(SEALED_PAYLOAD_ALG, { crv: 'P-256', extractable: true });
    const privateJwk: JWK = {
      ...(await exportJWK(privateKey)),
      kid: randomUUID(),
      use: 'enc',
      alg: SEALED_PAYLOAD_ALG,
    };
    return { keys: await BridgePayloadKeys.fromPrivateJwks([privateJwk]), privateJwks: [privateJwk] };
  }

  /**
   * The key set of stored private JWKs (EC P-256 or OKP X25519, each with a `kid`).
   * @throws Error naming the key that is not a usable private encryption key
   */
  static async fromPrivateJwks(jwks: JWK[]): Promise<BridgePayloadKeys> {
    if (jwks.length === 0) throw new Error('the bridge encryption key set is empty');
    const keys: PayloadKey[] = [];
    for (const [index, jwk] of jwks.entries()) {
      const name = `key ${jwk.kid ?? `#${index + 1}`}`;
      const ec = jwk.kty === 'EC' && jwk.crv === 'P-256';
      const okp = jwk.kty === 'OKP' && jwk.crv === 'X25519';
      if (!ec && !okp) throw new Error(`${name}: expected an EC P-256 or OKP X25519 key`);
      if (typeof jwk.d !== 'string') throw new Error(`${name}: the private part (d) is missing`);
      if (typeof jwk.kid !== 'string' || jwk.kid === '') throw new Error(`${name}: a kid is required`);
      const { d: _d, ...publicPart } = jwk;
      keys.push({
        kid: jwk.kid,
        privateKey: (await importJWK({ ...jwk, alg: SEALED_PAYLOAD_ALG }, SEALED_PAYLOAD_ALG)) as CryptoKey,
        publicJwk: { ...publicPart, use: 'enc', alg: SEALED_PAYLOAD_ALG },
      });
    }
    return new BridgePayloadKeys(keys);
  }

  /** The public keys, the current one first: the bridge's JWK set (`GET /.well-known/jwks.json`). */
  get publicJwks(): JWK[] {
    return this.keys.map((k) => ({ ...k.publicJwk }));
  }

  /** The key devices seal to. */
  get current(): JWK {
    return { ...this.keys[0].publicJwk };
  }

  /** The private keys to try for a sealed payload's `kid` (every key when it has none). */
  readonly forKid: SealedPayloadKeys = (kid) =>
    kid === undefined
      ? this.keys.map((k) => k.privateKey)
      : this.keys.filter((k) => k.kid === kid).map((k) => k.privateKey);
}
