import { compactDecrypt, decodeProtectedHeader, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { ServerError } from '../errors/oauth-error';
import { testClient, testContext } from '../grants/testing.helper';
import { encryptTokenResponse, selectEncryptionJwk, tokenEncryptionKey } from './encrypt-token-response';
import type { TokenResponse } from './issue-tokens';

const TOKENS: TokenResponse = {
  access_token: 'at.jwt.value',
  token_type: 'DPoP',
  expires_in: 600,
  id_token: 'id.jwt.value',
  refresh_token: 'refresh-token',
  scope: 'openid',
};

async function encKey(crv: 'X25519' | 'P-256', extra: Partial<JWK> = {}): Promise<{ jwk: JWK; privateKey: CryptoKey }> {
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES+A256KW', { crv });
  return { jwk: { ...(await exportJWK(publicKey)), use: 'enc', kid: `enc-${crv}`, ...extra }, privateKey };
}

async function sigJwk(): Promise<JWK> {
  const { publicKey } = await generateKeyPair('ES256');
  return { ...(await exportJWK(publicKey)), use: 'sig', kid: 'sig' };
}

async function decrypt(jwe: string, key: CryptoKey): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode((await compactDecrypt(jwe, key)).plaintext));
}

describe('encryptTokenResponse', () => {
  it('returns the token response unchanged for a client without token_response_encryption_alg', async () => {
    const ctx = await testContext();
    expect(await encryptTokenResponse(ctx, testClient(), TOKENS)).toBe(TOKENS);
  });

  it('encrypts the JSON token response to the X25519 use=enc key with ECDH-ES+A256KW and A256GCM', async () => {
    const ctx = await testContext();
    const enc = await encKey('X25519');
    const client = testClient({
      jwks: { keys: [await sigJwk(), enc.jwk] },
      tokenResponseEncryptionAlg: 'ECDH-ES+A256KW',
      tokenResponseEncryptionEnc: 'A256GCM',
    });
    const body = await encryptTokenResponse(ctx, client, TOKENS);
    expect(Object.keys(body)).toEqual(['encrypted_token_response']);
    const jwe = (body as { encrypted_token_response: string }).encrypted_token_response;
    expect(jwe.split('.')).toHaveLength(5);
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES+A256KW', enc: 'A256GCM', kid: 'enc-X25519' });
    expect(jwe).not.toContain('refresh-token');
    expect(await decrypt(jwe, enc.privateKey)).toEqual(TOKENS);
  });

  it('supports direct ECDH-ES to a P-256 key and the A128GCM content encryption', async () => {
    const ctx = await testContext();
    const enc = await encKey('P-256');
    const client = testClient({
      jwks: { keys: [enc.jwk] },
      tokenResponseEncryptionAlg: 'ECDH-ES',
      tokenResponseEncryptionEnc: 'A128GCM',
    });
    const { encrypted_token_response: jwe } = (await encryptTokenResponse(ctx, client, TOKENS)) as {
      encrypted_token_response: string;
    };
    expect(decodeProtectedHeader(jwe)).toMatchObject({ alg: 'ECDH-ES', enc: 'A128GCM' });
    expect(await decrypt(jwe, enc.privateKey)).toEqual(TOKENS);
  });

  it('defaults enc to A256GCM and uses a fresh ephemeral key for every response', async () => {
    const ctx = await testContext();
    const enc = await encKey('X25519');
    const client = testClient({ jwks: { keys: [enc.jwk] }, tokenResponseEncryptionAlg: 'ECDH-ES+A256KW' });
    const a = (await encryptTokenResponse(ctx, client, TOKENS)) as { encrypted_token_response: string };
    const b = (await encryptTokenResponse(ctx, client, TOKENS)) as { encrypted_token_response: string };
    expect(decodeProtectedHeader(a.encrypted_token_response).enc).toBe('A256GCM');
    expect(decodeProtectedHeader(a.encrypted_token_response).epk).not.toEqual(
      decodeProtectedHeader(b.encrypted_token_response).epk,
    );
  });

  it('imports the key once per key set and again when the client registers new keys', async () => {
    const ctx = await testContext();
    const first = await encKey('X25519');
    const client = testClient({ jwks: { keys: [first.jwk] }, tokenResponseEncryptionAlg: 'ECDH-ES+A256KW' });
    const a = await tokenEncryptionKey(ctx, client);
    // A store read yields a new, equal object: still the cached key.
    const b = await tokenEncryptionKey(ctx, structuredClone(client));
    expect(b).toBe(a);
    const second = await encKey('X25519', { kid: 'rotated' });
    const rotated = { ...client, jwks: { keys: [second.jwk] } };
    const c = await tokenEncryptionKey(ctx, rotated);
    expect(c?.kid).toBe('rotated');
    const { encrypted_token_response: jwe } = (await encryptTokenResponse(ctx, rotated, TOKENS)) as {
      encrypted_token_response: string;
    };
    expect(await decrypt(jwe, second.privateKey)).toEqual(TOKENS);
  });

  it('takes the encryption key from a jwks_uri document fetched through the HTTP port', async () => {
    const ctx = await testContext();
    const enc = await encKey('X25519');
    const urls: string[] = [];
    ctx.http = {
      send: async (req) => {
        urls.push(req.url);
        return { status: 200, headers: {}, body: JSON.stringify({ keys: [await sigJwk(), enc.jwk] }) };
      },
    };
    const client = testClient({ jwksUri: 'https://rp.example/jwks', tokenResponseEncryptionAlg: 'ECDH-ES+A256KW' });
    const { encrypted_token_response: jwe } = (await encryptTokenResponse(ctx, client, TOKENS)) as {
      encrypted_token_response: string;
    };
    await encryptTokenResponse(ctx, client, TOKENS);
    expect(urls).toEqual(['https://rp.example/jwks']);
    expect(await decrypt(jwe, enc.privateKey)).toEqual(TOKENS);
  });

  it('fails with server_error, never in clear, when the key set has no usable encryption key', async () => {
    const ctx = await testContext();
    ctx.http = { send: async () => ({ status: 200, headers: {}, body: JSON.stringify({ keys: [await sigJwk()] }) }) };
    const client = testClient({ jwksUri: 'https://rp.example/jwks', tokenResponseEncryptionAlg: 'ECDH-ES+A256KW' });
    await expect(encryptTokenResponse(ctx, client, TOKENS)).rejects.toBeInstanceOf(ServerError);
    const unreachable = await testContext();
    unreachable.http = { send: async () => ({ status: 503, headers: {}, body: '' }) };
    await expect(encryptTokenResponse(unreachable, client, TOKENS)).rejects.toBeInstanceOf(ServerError);
  });
});

describe('selectEncryptionJwk', () => {
  it('prefers X25519 over P-256 and ignores signing keys, other algs and other curves', async () => {
    const x = (await encKey('X25519')).jwk;
    const p = (await encKey('P-256')).jwk;
    const sig = await sigJwk();
    expect(selectEncryptionJwk({ keys: [sig, p, x] }, 'ECDH-ES+A256KW')).toBe(x);
    expect(selectEncryptionJwk({ keys: [sig, p] }, 'ECDH-ES+A256KW')).toBe(p);
    expect(selectEncryptionJwk({ keys: [sig] }, 'ECDH-ES+A256KW')).toBeUndefined();
    expect(selectEncryptionJwk({ keys: [{ ...x, use: undefined }] }, 'ECDH-ES')).toBeUndefined();
    expect(selectEncryptionJwk({ keys: [{ ...x, alg: 'ECDH-ES' }] }, 'ECDH-ES+A256KW')).toBeUndefined();
    expect(selectEncryptionJwk({ keys: [{ ...x, alg: 'ECDH-ES' }] }, 'ECDH-ES')).toBeDefined();
    expect(selectEncryptionJwk({ keys: [{ ...p, crv: 'P-384' }] }, 'ECDH-ES')).toBeUndefined();
  });
});
