import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { readDpopHeader, verifyDpopProof } from './verify-dpop-proof';
import { dpopTestKey } from './dpop-proof.testing';
import { testContext, TEST_ISSUER } from '../grants/testing.helper';
import { InvalidDpopProof } from '../errors/oauth-error';

const htu = `${TEST_ISSUER}/token`;

describe('verifyDpopProof', () => {
  it('accepts a fresh proof for the right method and URL and returns the key thumbprint', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'POST', htu, iat: ctx.clock.now() / 1000 });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).resolves.toBe(key.jkt);
  });

  it.each(['PS256', 'RS256', 'EdDSA'] as const)('accepts a proof signed with %s', async (alg) => {
    const ctx = await testContext();
    const key = await dpopTestKey(alg);
    const proof = await key.proof({ htm: 'POST', htu, iat: ctx.clock.now() / 1000 });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).resolves.toBe(key.jkt);
  });

  it('ignores the query and fragment of htu', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'POST', htu: `${htu}?a=1#x`, iat: ctx.clock.now() / 1000 });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).resolves.toBe(key.jkt);
  });

  it('refuses a replayed proof', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'POST', htu, iat: ctx.clock.now() / 1000 });
    await verifyDpopProof(ctx, proof, { htm: 'POST', htu });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('already used');
  });

  it('refuses a proof for another method', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'GET', htu, iat: ctx.clock.now() / 1000 });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('htm');
  });

  it('refuses a proof for another URL', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'POST', htu: `${TEST_ISSUER}/userinfo`, iat: ctx.clock.now() / 1000 });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('htu');
  });

  it('refuses a proof issued too long ago or too far in the future', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const now = ctx.clock.now() / 1000;
    const old = await key.proof({ htm: 'POST', htu, iat: now - 61 });
    const future = await key.proof({ htm: 'POST', htu, iat: now + 61 });
    await expect(verifyDpopProof(ctx, old, { htm: 'POST', htu })).rejects.toThrow('iat');
    await expect(verifyDpopProof(ctx, future, { htm: 'POST', htu })).rejects.toThrow('iat');
    const slightlyOld = await key.proof({ htm: 'POST', htu, iat: now - 30 });
    await expect(verifyDpopProof(ctx, slightlyOld, { htm: 'POST', htu, skewSeconds: 10 })).rejects.toThrow('iat');
  });

  it('refuses a proof whose typ is not dpop+jwt', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const proof = await key.proof({ htm: 'POST', htu, iat: ctx.clock.now() / 1000 }, { typ: 'JWT' });
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('typ');
  });

  it('refuses a proof whose embedded key carries private members', async () => {
    const ctx = await testContext();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const proof = await new SignJWT({ htm: 'POST', htu, iat: ctx.clock.now() / 1000, jti: 'j1' })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: privateJwk })
      .sign(privateKey);
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('public key');
  });

  it('refuses a symmetric (HS256) proof', async () => {
    const ctx = await testContext();
    const proof = await new SignJWT({ htm: 'POST', htu, iat: ctx.clock.now() / 1000, jti: 'j1' })
      .setProtectedHeader({ alg: 'HS256', typ: 'dpop+jwt', jwk: { kty: 'oct', k: 'AAAA' } as never })
      .sign(new Uint8Array(32));
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow(InvalidDpopProof);
  });

  it('refuses a proof signed by a key other than the embedded one', async () => {
    const ctx = await testContext();
    const honest = await dpopTestKey();
    const other = await generateKeyPair('ES256');
    const proof = await new SignJWT({ htm: 'POST', htu, iat: ctx.clock.now() / 1000, jti: 'j1' })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: honest.jwk })
      .sign(other.privateKey);
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('signature');
  });

  it('refuses a proof without jti', async () => {
    const ctx = await testContext();
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({ htm: 'POST', htu, iat: ctx.clock.now() / 1000 })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .sign(privateKey);
    await expect(verifyDpopProof(ctx, proof, { htm: 'POST', htu })).rejects.toThrow('jti');
  });

  it('refuses garbage', async () => {
    const ctx = await testContext();
    await expect(verifyDpopProof(ctx, 'not-a-jwt', { htm: 'POST', htu })).rejects.toThrow(InvalidDpopProof);
  });

  it('requires ath at a resource endpoint and checks it against the access token', async () => {
    const ctx = await testContext();
    const key = await dpopTestKey();
    const iat = ctx.clock.now() / 1000;
    const check = { htm: 'GET', htu: `${TEST_ISSUER}/userinfo`, accessToken: 'token-a' };
    await expect(verifyDpopProof(ctx, await key.proof({ htm: 'GET', htu: check.htu, iat }), check)).rejects.toThrow(
      'ath is missing',
    );
    await expect(
      verifyDpopProof(ctx, await key.proof({ htm: 'GET', htu: check.htu, iat, accessToken: 'token-b' }), check),
    ).rejects.toThrow('ath does not match');
    await expect(
      verifyDpopProof(ctx, await key.proof({ htm: 'GET', htu: check.htu, iat, accessToken: 'token-a' }), check),
    ).resolves.toBe(key.jkt);
  });
});

describe('readDpopHeader', () => {
  it('returns undefined without a DPoP header and refuses more than one', () => {
    expect(readDpopHeader({ method: 'POST', url: htu, headers: {} })).toBeUndefined();
    expect(() => readDpopHeader({ method: 'POST', url: htu, headers: { dpop: 'a.b.c, d.e.f' } })).toThrow(
      InvalidDpopProof,
    );
    expect(readDpopHeader({ method: 'POST', url: htu, headers: { dpop: 'a.b.c' } })).toBe('a.b.c');
  });
});
