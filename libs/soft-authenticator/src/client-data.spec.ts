import { SoftAuthenticatorError } from './errors';
import { clientDataJSON, resolveRpId } from './client-data';

const refusal = (origin: string, rpId?: string) => {
  try {
    resolveRpId(origin, rpId, 'rp.id');
  } catch (err) {
    return { code: (err as SoftAuthenticatorError).code, message: (err as Error).message };
  }
  throw new Error(`expected ${origin} / ${rpId} to be refused`);
};

describe('resolveRpId (the browser checks before a ceremony)', () => {
  it("defaults the RP ID to the origin's host", () => {
    expect(resolveRpId('https://owner.example.com', undefined, 'rp.id')).toBe('owner.example.com');
    expect(resolveRpId('https://owner.example.com:8443', undefined, 'rp.id')).toBe('owner.example.com');
  });

  it('accepts the host itself or a parent domain as RP ID', () => {
    expect(resolveRpId('https://owner.example.com', 'owner.example.com', 'rp.id')).toBe('owner.example.com');
    expect(resolveRpId('https://app.owner.example.com', 'example.com', 'rp.id')).toBe('example.com');
    expect(resolveRpId('http://app.localhost:3000', 'localhost', 'rp.id')).toBe('localhost');
  });

  it('accepts http on localhost only, as a secure context', () => {
    expect(resolveRpId('http://localhost:4000', 'localhost', 'rp.id')).toBe('localhost');
    expect(refusal('http://owner.example.com')).toEqual({
      code: 'security_error',
      message: 'origin http://owner.example.com is not a secure context (use https, or http://localhost)',
    });
  });

  it('refuses an IP address as RP ID, as Chromium does for http://127.0.0.1', () => {
    expect(refusal('http://127.0.0.1:4000')).toEqual({
      code: 'security_error',
      message: '127.0.0.1 is an IP address, which is not a valid RP ID: open the page by its domain name',
    });
    expect(refusal('https://[::1]:4000').code).toBe('security_error');
  });

  it("refuses an RP ID that is not the origin's host or a parent domain of it", () => {
    expect(refusal('https://evil.example', 'owner.example.com')).toEqual({
      code: 'security_error',
      message:
        'rp.id "owner.example.com" is neither the origin\'s host "evil.example" nor a registrable parent domain of it',
    });
    expect(refusal('https://notowner.example.com', 'owner.example.com').code).toBe('security_error');
    expect(refusal('https://owner.example.com', 'com').code).toBe('security_error');
  });

  it('refuses an origin that is not a serialized origin', () => {
    for (const origin of ['https://owner.example.com/', 'https://owner.example.com/app', 'owner.example.com']) {
      expect(refusal(origin).code).toBe('invalid_argument');
    }
  });
});

describe('clientDataJSON', () => {
  it('serializes type, challenge, origin and crossOrigin in the order of WebAuthn §5.8.1.2', () => {
    const text = new TextDecoder().decode(clientDataJSON('webauthn.get', 'q83v', 'https://owner.example.com'));

    expect(text).toBe(
      '{"type":"webauthn.get","challenge":"q83v","origin":"https://owner.example.com","crossOrigin":false}',
    );
  });
});
