import { generateKeyPair, exportJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ConnectCredentialError, signConnectCredential, verifyConnectCredential } from './connect-credential';

const audience = 'urn:onboard:bridge:test';
const now = Date.UTC(2030, 0, 1);

async function keyPair(alg: 'ES256' | 'Ed25519') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: (await exportJWK(publicKey)) as JWK };
}

async function problemOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ConnectCredentialError) return err.problem;
    throw err;
  }
  return 'accepted';
}

describe('connect credential', () => {
  let es: { privateKey: CryptoKey; jwk: JWK };
  let ed: { privateKey: CryptoKey; jwk: JWK };
  beforeAll(async () => {
    es = await keyPair('ES256');
    ed = await keyPair('Ed25519');
  });

  const sign = (over: Partial<Parameters<typeof signConnectCredential>[0]> = {}) =>
    signConnectCredential({
      deviceId: 'hu-1',
      privateKey: es.privateKey,
      alg: 'ES256',
      audience,
      jti: 'j1',
      now,
      ...over,
    });
  const verify = (token: string, over: Partial<Parameters<typeof verifyConnectCredential>[1]> = {}) =>
    verifyConnectCredential(token, { deviceId: 'hu-1', publicKeys: [es.jwk], audience, now, ...over });

  it('accepts an ES256 credential signed by the registered key', async () => {
    await expect(verify(await sign())).resolves.toEqual({ jti: 'j1', expiresAt: now + 120_000 });
  });

  it('accepts an EdDSA credential under both algorithm names', async () => {
    for (const alg of ['EdDSA', 'Ed25519'] as const) {
      const token = await sign({ privateKey: ed.privateKey, alg });
      await expect(verify(token, { publicKeys: [ed.jwk] })).resolves.toMatchObject({ jti: 'j1' });
    }
  });

  it('refuses a credential signed by another key', async () => {
    const other = await keyPair('ES256');
    expect(await problemOf(verify(await sign({ privateKey: other.privateKey })))).toBe('bad_signature');
  });

  it('refuses an expired credential', async () => {
    expect(await problemOf(verify(await sign({ now: now - 10 * 60_000 })))).toBe('expired');
  });

  it('refuses a credential for another audience or another device', async () => {
    expect(await problemOf(verify(await sign({ audience: 'urn:other' })))).toBe('invalid_claims');
    expect(await problemOf(verify(await sign(), { deviceId: 'hu-2' }))).toBe('invalid_claims');
  });

  it('refuses a lifetime longer than ten minutes', async () => {
    expect(await problemOf(verify(await sign({ lifetimeSeconds: 3600 })))).toBe('lifetime_too_long');
    expect(await problemOf(verify(await sign({ lifetimeSeconds: 601 })))).toBe('lifetime_too_long');
    expect(await problemOf(verify(await sign({ lifetimeSeconds: 600 })))).toBe('accepted');
  });

  it('refuses a JWT without the connect credential type', async () => {
    const token = await new SignJWT({ jti: 'j' })
      .setProtectedHeader({ alg: 'ES256' })
      .setIssuer('hu-1')
      .setSubject('hu-1')
      .setAudience(audience)
      .setIssuedAt(now / 1000)
      .setExpirationTime(now / 1000 + 60)
      .sign(es.privateKey);
    expect(await problemOf(verify(token))).toBe('invalid_claims');
  });

  it('refuses garbage and unsigned tokens as malformed', async () => {
    expect(await problemOf(verify('not a jwt'))).toBe('malformed');
    expect(await problemOf(verify('eyJhbGciOiJub25lIn0.eyJpc3MiOiJodS0xIn0.'))).toBe('malformed');
    expect(await problemOf(verify('x'.repeat(5000)))).toBe('malformed');
  });
});
