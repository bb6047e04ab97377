import { randomBytes } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { createLocalKeyWrapper, keyEncryptionKeyId, UnknownKeyEncryptionKey } from './local-key-wrapper';

const secret = Buffer.from('{"kty":"EC","d":"private"}');

describe('createLocalKeyWrapper', () => {
  it('wraps as a compact JWE (dir, A256GCM) naming the KEK by its thumbprint, and unwraps it', async () => {
    const kek = randomBytes(32);
    const wrapper = await createLocalKeyWrapper([kek]);
    const wrapped = await wrapper.wrap(secret, 'signing key k1');
    expect(wrapper.currentKeyId).toBe(await keyEncryptionKeyId(kek));
    expect(decodeProtectedHeader(wrapped)).toEqual({
      alg: 'dir',
      enc: 'A256GCM',
      kid: wrapper.currentKeyId,
      ctx: 'signing key k1',
    });
    expect(wrapped).not.toContain(secret.toString('base64url'));
    expect(Buffer.from(await wrapper.unwrap(wrapped, 'signing key k1'))).toEqual(secret);
  });

  it('refuses a wrapped value under another context (a key copied onto another row)', async () => {
    const wrapper = await createLocalKeyWrapper([randomBytes(32)]);
    const wrapped = await wrapper.wrap(secret, 'signing key k1');
    await expect(wrapper.unwrap(wrapped, 'signing key k2')).rejects.toThrow(/belongs to signing key k1/);
  });

  it('refuses an altered ciphertext or header', async () => {
    const wrapper = await createLocalKeyWrapper([randomBytes(32)]);
    const [header, , iv, ciphertext, tag] = (await wrapper.wrap(secret, 'c')).split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] ^= 1;
    await expect(wrapper.unwrap([header, '', iv, flipped.toString('base64url'), tag].join('.'), 'c')).rejects.toThrow();
    const otherHeader = Buffer.from(
      JSON.stringify({ ...decodeProtectedHeader(`${header}..x.x.x`), ctx: 'd' }),
    ).toString('base64url');
    await expect(wrapper.unwrap([otherHeader, '', iv, ciphertext, tag].join('.'), 'd')).rejects.toThrow();
  });

  it('unwraps under any KEK it holds and wraps under the first', async () => {
    const oldKek = randomBytes(32);
    const newKek = randomBytes(32);
    const wrappedOld = await (await createLocalKeyWrapper([oldKek])).wrap(secret, 'c');
    const both = await createLocalKeyWrapper([newKek, oldKek]);
    expect(Buffer.from(await both.unwrap(wrappedOld, 'c'))).toEqual(secret);
    expect(both.keyIdOf(await both.wrap(secret, 'c'))).toBe(await keyEncryptionKeyId(newKek));
  });

  it('names the missing KEK when it does not hold it', async () => {
    const other = await createLocalKeyWrapper([randomBytes(32)]);
    const wrapped = await other.wrap(secret, 'signing key k1');
    const wrapper = await createLocalKeyWrapper([randomBytes(32)]);
    const error = await wrapper.unwrap(wrapped, 'signing key k1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnknownKeyEncryptionKey);
    expect((error as UnknownKeyEncryptionKey).keyId).toBe(other.currentKeyId);
    expect((error as Error).message).toContain(`key-encryption key ${other.currentKeyId}, which is not configured`);
    expect(wrapper.keyIdOf('not a jwe')).toBeUndefined();
  });

  it('re-reads its KEKs once when a value names one it does not hold (another process rotated)', async () => {
    const first = randomBytes(32);
    const rotated = randomBytes(32);
    let reloads = 0;
    const wrapper = await createLocalKeyWrapper([first], {
      reload: async () => {
        reloads++;
        return [rotated, first];
      },
    });
    const wrapped = await (await createLocalKeyWrapper([rotated])).wrap(secret, 'c');
    expect(Buffer.from(await wrapper.unwrap(wrapped, 'c'))).toEqual(secret);
    expect(reloads).toBe(1);
    expect(wrapper.currentKeyId).toBe(await keyEncryptionKeyId(rotated));
  });

  it('wraps under the current KEK of its source even after another process rotated it', async () => {
    let keks = [randomBytes(32)];
    const wrapper = await createLocalKeyWrapper(keks, { reload: async () => keks });
    const rotated = randomBytes(32);
    keks = [rotated];
    expect(wrapper.keyIdOf(await wrapper.wrap(secret, 'c'))).toBe(await keyEncryptionKeyId(rotated));
  });

  it('accepts only 256-bit KEKs', async () => {
    await expect(createLocalKeyWrapper([randomBytes(16)])).rejects.toThrow(/32 bytes/);
    await expect(createLocalKeyWrapper([])).rejects.toThrow(/at least one/);
  });
});
