import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, CompactEncrypt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { EncryptionKeyRecord } from '../domain/tokens';
import { InvalidRequest } from '../errors/oauth-error';
import { createFakeStores, testClock } from '../grants/testing.helper';
import { silentLogger, type Logger } from '@onboard/platform';
import { createLocalKeyWrapper, UnknownKeyEncryptionKey } from './local-key-wrapper';
import { RequestObjectKeys, RETIRED_ENCRYPTION_KEY_TTL_MS, rewrapEncryptionKeys } from './request-object-keys';

const newWrapper = () => createLocalKeyWrapper([randomBytes(32)]);

/** A nested JWT as a client makes it (RFC 9101 §6.1): `inner` encrypted to the published key. */
async function encryptTo(jwk: JWK, inner = 'header.payload.signature'): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(inner))
    .setProtectedHeader({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', cty: 'JWT', kid: jwk.kid })
    .encrypt(await importJWK(jwk, 'ECDH-ES+A256KW'));
}

/** A key as the provider stored it before encryption keys were wrapped: the private JWK in clear. */
async function clearKeyRecord(createdAt: number): Promise<EncryptionKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256', extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)) };
  return {
    kid: await calculateJwkThumbprint(publicJwk, 'sha256'),
    alg: 'ECDH-ES+A256KW',
    privateJwk: { ...(await exportJWK(privateKey)) },
    publicJwk,
    status: 'active',
    createdAt,
  };
}

describe('RequestObjectKeys', () => {
  it('generates one P-256 key on first use, its private part stored only wrapped under the KEK', async () => {
    const stores = createFakeStores();
    const wrapper = await newWrapper();
    const keys = await RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper });
    const [record] = await stores.encryptionKeys.list();
    expect(record).not.toHaveProperty('privateJwk');
    expect(wrapper.keyIdOf(record.wrappedPrivateKey as string)).toBe(wrapper.currentKeyId);
    const [published] = keys.publicJwks();
    expect(published).toEqual({ ...record.publicJwk, kid: record.kid, use: 'enc', alg: 'ECDH-ES+A256KW' });
    expect(published).not.toHaveProperty('d');
    expect(await keys.decrypt(await encryptTo(published))).toBe('header.payload.signature');
  });

  it('does not unwrap a wrapped signing key copied into its table (the wrap context differs)', async () => {
    const stores = createFakeStores();
    const wrapper = await newWrapper();
    await RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper });
    const [record] = await stores.encryptionKeys.list();
    const signingContext = await wrapper.wrap(
      await wrapper.unwrap(record.wrappedPrivateKey as string, `encryption key ${record.kid}`),
      `signing key ${record.kid}`,
    );
    await stores.encryptionKeys.save({ ...record, wrappedPrivateKey: signingContext });
    await expect(RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper })).rejects.toThrow(
      /belongs to signing key/,
    );
  });

  it('wraps keys an earlier version stored in clear on open, keeping their kid, and says so', async () => {
    const stores = createFakeStores();
    const old = await clearKeyRecord(Date.UTC(2029, 0, 1));
    await stores.encryptionKeys.save(old);
    const warnings: Record<string, unknown>[] = [];
    const logger: Logger = { ...silentLogger, warn: (msg, fields) => void warnings.push({ msg, ...fields }) };
    const wrapper = await newWrapper();
    const keys = await RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper, logger });
    const records = await stores.encryptionKeys.list();
    expect(records.map((r) => r.kid)).toEqual([old.kid]);
    expect(records[0]).not.toHaveProperty('privateJwk');
    expect(wrapper.keyIdOf(records[0].wrappedPrivateKey as string)).toBe(wrapper.currentKeyId);
    expect(warnings).toEqual([
      expect.objectContaining({ msg: 'encryption keys stored in clear were wrapped under the key-encryption key' }),
    ]);
    // A request object encrypted to the old key before the upgrade still decrypts.
    expect(await keys.decrypt(await encryptTo({ ...old.publicJwk, kid: old.kid }))).toBe('header.payload.signature');
  });

  it('refuses to open a store whose keys are wrapped under another KEK instead of minting a new key', async () => {
    const stores = createFakeStores();
    await RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper: await newWrapper() });
    const before = await stores.encryptionKeys.list();
    await expect(
      RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper: await newWrapper() }),
    ).rejects.toBeInstanceOf(UnknownKeyEncryptionKey);
    expect(await stores.encryptionKeys.list()).toEqual(before);
  });

  it('re-wraps every key, retired ones too, under a new KEK', async () => {
    const stores = createFakeStores();
    const oldKek = randomBytes(32);
    const newKek = randomBytes(32);
    const keys = await RequestObjectKeys.open(stores.encryptionKeys, testClock(), {
      wrapper: await createLocalKeyWrapper([oldKek]),
    });
    await keys.rotate();
    const kids = (await stores.encryptionKeys.list()).map((r) => r.kid);
    const result = await rewrapEncryptionKeys(stores.encryptionKeys, await createLocalKeyWrapper([newKek, oldKek]), {
      all: true,
    });
    expect(result.rewrapped.sort()).toEqual([...kids].sort());
    const onlyNew = await createLocalKeyWrapper([newKek]);
    const reopened = await RequestObjectKeys.open(stores.encryptionKeys, testClock(), { wrapper: onlyNew });
    expect((await stores.encryptionKeys.list()).map((r) => r.kid)).toEqual(kids);
    expect(await reopened.decrypt(await encryptTo(reopened.publicJwks()[0]))).toBe('header.payload.signature');
  });

  it('rotates: publishes only the new key, decrypts with the retired one for a day, then drops it', async () => {
    const stores = createFakeStores();
    const clock = testClock();
    const keys = await RequestObjectKeys.open(stores.encryptionKeys, clock, { wrapper: await newWrapper() });
    const [before] = keys.publicJwks();
    const encryptedBefore = await encryptTo(before);
    const kid = await keys.rotate();
    expect(keys.publicJwks().map((k) => k.kid)).toEqual([kid]);
    expect(await keys.decrypt(encryptedBefore)).toBe('header.payload.signature');
    const retired = (await stores.encryptionKeys.list()).find((r) => r.kid === before.kid);
    expect(retired).toMatchObject({ status: 'retired', expiresAt: clock.now() + RETIRED_ENCRYPTION_KEY_TTL_MS });

    clock.advance(RETIRED_ENCRYPTION_KEY_TTL_MS);
    await keys.reload();
    await expect(keys.decrypt(encryptedBefore)).rejects.toThrow(
      new InvalidRequest('the request object is encrypted to an unknown key'),
    );
    await keys.rotate(); // deletes the key retired a day ago
    expect((await stores.encryptionKeys.list()).map((r) => r.kid)).not.toContain(before.kid);
  });
});
