import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, calculateJwkThumbprint } from 'jose';
import { createKeyRing } from './key-ring';
import { createFakeStores, testClock, TEST_ISSUER } from '../grants/testing.helper';
import { defaultSettings } from '../settings';

const settings = defaultSettings(TEST_ISSUER);

describe('createKeyRing', () => {
  it('generates and persists one ES256 and one PS256 key on first use with an empty store', async () => {
    const stores = createFakeStores();
    await createKeyRing(stores.signingKeys, testClock(), settings);
    const records = await stores.signingKeys.list();
    expect(records.map((r) => r.alg).sort()).toEqual(['ES256', 'PS256']);
    expect(records.every((r) => r.status === 'active')).toBe(true);
    for (const r of records) expect(r.kid).toBe(await calculateJwkThumbprint(r.publicJwk as never, 'sha256'));
  });

  it('reuses the persisted keys when opened again instead of generating new ones', async () => {
    const stores = createFakeStores();
    const first = await createKeyRing(stores.signingKeys, testClock(), settings);
    const second = await createKeyRing(stores.signingKeys, testClock(), settings);
    expect((await second.jwks()).keys.map((k) => k.kid)).toEqual((await first.jwks()).keys.map((k) => k.kid));
    expect(await stores.signingKeys.list()).toHaveLength(2);
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
    expect(keys).toHaveLength(2);
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
    expect(newKids).toHaveLength(2);
    const after = await ring.sign({ iss: TEST_ISSUER, sub: 'alice', exp });
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    expect(newKids).toContain(decodeProtectedHeader(after).kid);
    expect((await ring.verify(before)).payload.sub).toBe('alice');
    expect((await ring.verify(after)).payload.sub).toBe('alice');
    expect((await ring.jwks()).keys).toHaveLength(4);
  });

  it('drops a retired key from the JWKS once every token it signed has expired', async () => {
    const clock = testClock();
    const ring = await createKeyRing(createFakeStores().signingKeys, clock, settings);
    const old = await ring.sign({ iss: TEST_ISSUER, sub: 'alice' });
    await ring.rotate();
    const keep = Math.max(settings.accessTokenTtl, settings.idTokenTtl, settings.idTokenHintMaxAge);
    clock.advance(keep * 1000 - 1);
    expect((await ring.jwks()).keys).toHaveLength(4);
    clock.advance(1);
    expect((await ring.jwks()).keys).toHaveLength(2);
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
