import { hashUserCode, verifyUserCode } from './user-code';

describe('user code hashing (CIBA §7.1.2)', () => {
  it('verifies the code it hashed and nothing else', async () => {
    const hash = await hashUserCode('4711');
    expect(hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('4711');
    await expect(verifyUserCode('4711', hash)).resolves.toBe(true);
    await expect(verifyUserCode('4712', hash)).resolves.toBe(false);
    await expect(verifyUserCode('', hash)).resolves.toBe(false);
  });

  it('salts every hash, so equal codes hash differently', async () => {
    expect(await hashUserCode('1234')).not.toBe(await hashUserCode('1234'));
  });

  it('treats a malformed stored hash as no match rather than throwing', async () => {
    await expect(verifyUserCode('4711', 'plain-text')).resolves.toBe(false);
    await expect(verifyUserCode('4711', 'scrypt$x$8$1$c2FsdA$aGFzaA')).resolves.toBe(false);
  });

  it('refuses codes longer than 256 characters without hashing them', async () => {
    const hash = await hashUserCode('a'.repeat(256));
    await expect(verifyUserCode('a'.repeat(256), hash)).resolves.toBe(true);
    await expect(verifyUserCode('a'.repeat(257), hash)).resolves.toBe(false);
  });
});
