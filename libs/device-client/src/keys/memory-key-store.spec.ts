import { CompactEncrypt, calculateJwkThumbprint, importJWK, jwtVerify } from 'jose';
import { DeviceClientError } from '../errors';
import { signingKeyOf } from './device-key-store';
import { MemoryKeyStore, generateDeviceKeys } from './memory-key-store';

async function encryptTo(store: MemoryKeyStore, text: string, enc = 'A256GCM'): Promise<string> {
  const jwk = (await store.getPublicJwks()).keys.find((k) => k.use === 'enc')!;
  return new CompactEncrypt(new TextEncoder().encode(text))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc })
    .encrypt(await importJWK(jwk, 'ECDH-ES+A256KW'));
}

describe('MemoryKeyStore and generateDeviceKeys', () => {
  it('generates an ES256 signing key and an X25519 encryption key with thumbprint kids and no private members in the public JWKS', async () => {
    const { privateJwks, publicJwks } = await generateDeviceKeys();
    expect(publicJwks.keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', use: 'sig', alg: 'ES256' }),
      expect.objectContaining({ kty: 'OKP', crv: 'X25519', use: 'enc', alg: 'ECDH-ES+A256KW' }),
    ]);
    for (const key of publicJwks.keys) {
      expect(key).not.toHaveProperty('d');
      expect(key.kid).toBe(await calculateJwkThumbprint(key, 'sha256'));
    }
    expect(privateJwks.signing.d).toEqual(expect.any(String));
  });

  it('signs JWTs that verify with the public signing key', async () => {
    const store = await MemoryKeyStore.generate();
    const sig = signingKeyOf(await store.getPublicJwks());
    const jws = await store.signJwt({ alg: 'ES256', kid: sig.kid, typ: 'x+jwt' }, { iss: 'hu-1', n: 1 });
    const { payload, protectedHeader } = await jwtVerify(jws, await importJWK(sig, 'ES256'));
    expect(payload).toEqual({ iss: 'hu-1', n: 1 });
    expect(protectedHeader).toEqual({ alg: 'ES256', kid: sig.kid, typ: 'x+jwt' });
  });

  it('refuses to sign with another algorithm than the key has', async () => {
    const store = await MemoryKeyStore.generate();
    await expect(store.signJwt({ alg: 'HS256' }, {})).rejects.toMatchObject({ code: 'key_store_error' });
  });

  it('decrypts a JWE addressed to its encryption key and refuses other content encryptions', async () => {
    const store = await MemoryKeyStore.generate();
    const plaintext = await store.decrypt(await encryptTo(store, '{"a":1}'));
    expect(new TextDecoder().decode(plaintext)).toBe('{"a":1}');
    await expect(store.decrypt(await encryptTo(store, 'x', 'A128GCM'))).rejects.toThrow();
  });

  it('reports the RFC 7638 thumbprint of the signing key as its dpop_jkt', async () => {
    const store = await MemoryKeyStore.generate();
    const sig = signingKeyOf(await store.getPublicJwks());
    await expect(store.thumbprint()).resolves.toBe(await calculateJwkThumbprint(sig, 'sha256'));
  });

  it('refuses keys that are not a private P-256 and X25519 pair', async () => {
    const { privateJwks, publicJwks } = await generateDeviceKeys();
    expect(() => new MemoryKeyStore({ signing: publicJwks.keys[0], encryption: privateJwks.encryption })).toThrow(
      DeviceClientError,
    );
    expect(() => new MemoryKeyStore({ signing: privateJwks.encryption, encryption: privateJwks.signing })).toThrow(
      DeviceClientError,
    );
  });
});
