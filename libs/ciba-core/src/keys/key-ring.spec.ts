import { randomBytes } from 'node:crypto';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
  calculateJwkThumbprint,
} from 'jose';
import { createKeyRing, rewrapSigningKeys } from './key-ring';
import { createLocalKeyWrapper, UnknownKeyEncryptionKey } from './local-key-wrapper';
import { createFakeStores, testClock, TEST_ISSUER } from '../grants/testing.helper';
import type { SigningKeyRecord } from '../domain/tokens';
import type { KeyWrapper } from '../ports/key-wrapper.port';
import { defaultSettings } from '../settings';

const settings = defaultSettings(TEST_ISSUER);
const newWrapper = () => createLocalKeyWrapper([randomBytes(32)]);

/** A key as the provider stored it before keys were wrapped: the private JWK in clear. */
async function clearKeyRecord(alg: 'ES256' | 'PS256', createdAt: number): Promise<SigningKeyRecord> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)) };
  return {
    kid: await calculateJwkThumbprint(publicJwk, 'sha256'),
    alg,
    privateJwk: { ...(await exportJWK(privateKey)) },
    publicJwk,
    status: 'active',
    createdAt,
  };
}

describe('createKeyRing', () => {
  it('generates and persists one RS256, one ES256 and one PS256 key on first use, each RSA alg on a key of its own', async () => {
    const stores = createFakeStores();
    const ring = await createKeyRing(stores.signingKeys, testClock(), settings, { wrapper: await newWrapper() });
    const records = await stores.signingKeys.list();
    expect(records.map((r) => r.alg).sort()).toEqual(['ES256', 'PS256', 'RS256']);
    expect(records.every((r) => r.status === 'active')).toBe(true);
    for (const r of records) expect(r.kid).toBe(await calculateJwkThumbprint(r.publicJwk as never, 'sha256'));
    // RFC 8725 §3.1: one key, one alg; the JWKS says which.
    const { keys } = await ring.jwks();
    expect(keys.map((k) => [k.alg, k.kty]).sort()).toEqual([
      ['ES256', 'EC'],
      ['PS256', 'RSA'],
      ['RS256', 'RSA'],
    ]);
    const rsa = keys.filter((k) => k.kty === 'RSA');
    expect(new Set(rsa.map((k) => k.n)).size).toBe(2);
    for (const key of rsa) expect(Buffer.from(key.n as string, 'base64url').length * 8).toBe(2048);
  });

  it('signs RS256 with PKCS#1 v1.5 when asked, verifiable with the published key', async () => {
    const clock = testClock();
    const ring = await createKeyRing(createFakeStores().signingKeys, clock, settings);
    const jwt = await ring.sign({ iss: TEST_ISSUER, sub: 'dora' }, { alg: 'RS256' });
    const header = decodeProtectedHeader(jwt);
    expect(header.alg).toBe('RS256');
    const jwks = await ring.jwks();
    expect(jwks.keys.find((k) => k.kid === header.kid)).toMatchObject({ alg: 'RS256', kty: 'RSA', use: 'sig' });
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), {
      algorithms: ['RS256'],
      currentDate: new Date(clock.now()),
    });
    expect(payload.sub).toBe('dora');
    expect((await ring.verify(jwt)).payload.sub).toBe('dora');
  });

  it('stores every private key only wrapped under the key-encryption key, never in clear', async () => {
    const stores = createFakeStores();
    const wrapper = await newWrapper();
    await createKeyRing(stores.signingKeys, testClock(), settings, { wrapper });
    for (const record of await stores.signingKeys.list()) {
      expect(record).not.toHaveProperty('privateJwk');
      const wrapped = record.wrappedPrivateKey as string;
      expect(wrapped.split('.')).toHaveLength(5); // RFC 7516 §7.1 compact JWE
      expect(decodeProtectedHeader(wrapped)).toMatchObject({ alg: 'dir', enc: 'A256GCM', kid: wrapper.currentKeyId });
      expect(wrapped).not.toMatch(/"d"|\bd\b/);
      const jwk = JSON.parse(
        Buffer.from(await wrapper.unwrap(wrapped, `signing key ${record.kid}`)).toString('utf8'),
      ) as Record<string, unknown>;
      expect(typeof jwk.d).toBe('string');
      expect(await calculateJwkThumbprint(jwk as never, 'sha256')).toBe(record.kid);
    }
  });

  it('wraps the keys of a store that holds them in clear, keeping their kids and signing with them', async () => {
    const stores = createFakeStores();
    const clock = testClock();
    const oldEs = await clearKeyRecord('ES256', clock.now() - 2);
    const oldPs = await clearKeyRecord('PS256', clock.now() - 1);
    await stores.signingKeys.save(oldEs);
    await stores.signingKeys.save(oldPs);
    const wrapper = await newWrapper();
    const ring = await createKeyRing(stores.signingKeys, clock, settings, { wrapper });
    const records = await stores.signingKeys.list();
    // Nothing lost: both old keys are still there, now wrapped; the missing RS256 key was added.
    expect(records.map((r) => r.kid)).toEqual(expect.arrayContaining([oldEs.kid, oldPs.kid]));
    expect(records.map((r) => r.alg).sort()).toEqual(['ES256', 'PS256', 'RS256']);
    for (const r of records) {
      expect(r).not.toHaveProperty('privateJwk');
      expect(wrapper.keyIdOf(r.wrappedPrivateKey as string)).toBe(wrapper.currentKeyId);
    }
    expect(decodeProtectedHeader(await ring.sign({ iss: TEST_ISSUER }, { alg: 'ES256' })).kid).toBe(oldEs.kid);
    expect(decodeProtectedHeader(await ring.sign({ iss: TEST_ISSUER }, { alg: 'PS256' })).kid).toBe(oldPs.kid);
  });

  it('refuses to open a store whose keys are wrapped under another KEK instead of minting new keys', async () => {
    const stores = createFakeStores();
    await createKeyRing(stores.signingKeys, testClock(), settings, { wrapper: await newWrapper() });
    const before = await stores.signingKeys.list();
    await expect(
      createKeyRing(stores.signingKeys, testClock(), settings, { wrapper: await newWrapper() }),
    ).rejects.toBeInstanceOf(UnknownKeyEncryptionKey);
    expect(await stores.signingKeys.list()).toEqual(before);
  });

  it('re-wraps every key under a new KEK, after which the old KEK is no longer needed', async () => {
    const stores = createFakeStores();
    const oldKek = randomBytes(32);
    const newKek = randomBytes(32);
    const clock = testClock();
    const first = await createKeyRing(stores.signingKeys, clock, settings, {
      wrapper: await createLocalKeyWrapper([oldKek]),
    });
    await first.rotate(); // retired keys are re-wrapped too
    const kids = (await stores.signingKeys.list()).map((r) => r.kid);
    const both: KeyWrapper = await createLocalKeyWrapper([newKek, oldKek]);
    const result = await rewrapSigningKeys(stores.signingKeys, both, { all: true });
    expect(result.rewrapped.sort()).toEqual([...kids].sort());
    expect(result.wrapped).toEqual([]);
    const onlyNew = await createLocalKeyWrapper([newKek]);
    const reopened = await createKeyRing(stores.signingKeys, clock, settings, { wrapper: onlyNew });
    expect((await stores.signingKeys.list()).map((r) => r.kid)).toEqual(kids);
    expect(kids).toContain(decodeProtectedHeader(await reopened.sign({ iss: TEST_ISSUER })).kid);
    // A second run finds nothing left to do.
    expect((await rewrapSigningKeys(stores.signingKeys, onlyNew, { all: true })).unchanged).toHaveLength(kids.length);
  });

  it('reuses the persisted keys when opened again instead of generating new ones', async () => {
    const stores = createFakeStores();
    const first = await createKeyRing(stores.signingKeys, testClock(), settings);
    const second = await createKeyRing(stores.signingKeys, testClock(), settings);
    expect((await second.jwks()).keys.map((k) => k.kid)).toEqual((await first.jwks()).keys.map((k) => k.kid));
    expect(await stores.signingKeys.list()).toHaveLength(3);
  });

  it('signs with ES256 by default, with alg, kid and typ in the header', async () => {
    const clock = testClock();
    const ring = await createKeyRing(createFakeStores().signingKeys, clock, settings);
    const jwt = await ring.sign({ iss: TEST_ISSUER, sub: 'alice' }, { typ: 'at+jwt' });
    const header = decodeProtectedHeader(jwt);
    expect(header.alg).toBe('ES256');
    expect(header.typ).toBe('at+jwt');
    const jwks = await ring.jwks();
    expect(jwks.keys.find((k) => k.kid === header.kid)?.alg).toBe('ES256');
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks), { currentDate: new Date(clock.now()) });
    expect(payload.sub).toBe('alice');
  });

  it('signs with PS256 when asked and verifies it', async () => {
    const ring = await createKeyRing(createFakeStores().signingKeys, testClock(), settings);
    const jwt = await ring.sign({ iss: TEST_ISSUER, sub: 'bob' }, { alg: 'PS256' });
    expect(decodeProtectedHeader(jwt).alg).toBe('PS256');
    expect((await ring.verify(jwt)).payload.sub).toBe('bob');
  });

  it('publishes only public key members, with use sig', async () => {
    const ring = await createKeyRing(createFakeStores().signingKeys, testClock(), settings);
    const { keys } = await ring.jwks();
    expect(keys).toHaveLength(3);
    for (const key of keys) {
      expect(key.use).toBe('sig');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    }
  });

  it('refuses a token whose typ differs from the expected one', async () => {
    const ring = await createKeyRing(createFakeStores().signingKeys, testClock(), settings);
    const jwt = await ring.sign({ iss: TEST_ISSUER, sub: 'alice' }, { typ: 'JWT' });
    await expect(ring.verify(jwt, { typ: 'at+jwt' })).rejects.toThrow();
  });

  it('refuses a token from another issuer', async () => {
    const ring = await createKeyRing(createFakeStores().signingKeys, testClock(), settings);
    const jwt = await ring.sign({ iss: 'https://evil.example', sub: 'alice' });
    await expect(ring.verify(jwt)).rejects.toThrow();
  });

  it('keeps tokens signed before a rotation valid, and signs new ones with the new key', async () => {
    const clock = testClock();
    const ring = await createKeyRing(createFakeStores().signingKeys, clock, settings);
    const exp = Math.floor(clock.now() / 1000) + 600;
    const before = await ring.sign({ iss: TEST_ISSUER, sub: 'alice', exp });
    const newKids = await ring.rotate();
    expect(newKids).toHaveLength(3);
    const after = await ring.sign({ iss: TEST_ISSUER, sub: 'alice', exp });
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect(newKids).toContain(decodeProtectedHeader(after).kid);
    expect((await ring.verify(before)).payload.sub).toBe('alice');
    expect((await ring.verify(after)).payload.sub).toBe('alice');
    expect((await ring.jwks()).keys).toHaveLength(6);
  });

  it('drops a retired key from the JWKS once every token it signed has expired', async () => {
    const clock = testClock();
    const ring = await createKeyRing(createFakeStores().signingKeys, clock, settings);
    const old = await ring.sign({ iss: TEST_ISSUER, sub: 'alice' });
    await ring.rotate();
    const keep = Math.max(settings.accessTokenTtl, settings.idTokenTtl, settings.idTokenHintMaxAge);
    clock.advance(keep * 1000 - 1);
    expect((await ring.jwks()).keys).toHaveLength(6);
    clock.advance(1);
    expect((await ring.jwks()).keys).toHaveLength(3);
    await expect(ring.verify(old)).rejects.toThrow();
  });

  it('picks up a rotation done by another process on reload', async () => {
    const stores = createFakeStores();
    const clock = testClock();
    const a = await createKeyRing(stores.signingKeys, clock, settings);
    const b = await createKeyRing(stores.signingKeys, clock, settings);
    const kids = await a.rotate();
    await b.reload();
    expect(kids).toContain(decodeProtectedHeader(await b.sign({ iss: TEST_ISSUER })).kid);
  });

  it('verifies a token signed after another process rotated, by re-reading the store on an unknown kid', async () => {
    const stores = createFakeStores();
    const clock = testClock();
    const a = await createKeyRing(stores.signingKeys, clock, settings);
    const b = await createKeyRing(stores.signingKeys, clock, settings);
    await a.rotate();
    clock.advance(11_000);
    const jwt = await a.sign({ iss: TEST_ISSUER, sub: 'carol' });
    expect((await b.verify(jwt)).payload.sub).toBe('carol');
  });
});
