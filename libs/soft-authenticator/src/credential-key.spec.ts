import { createPublicKey, verify } from 'node:crypto';
import { decodeCBOR } from '@levischuck/tiny-cbor';
import {
  credentialPublicKey,
  exportPrivateJwk,
  generateCredentialKey,
  importPrivateJwk,
  signAssertion,
} from './credential-key';

describe('credential keys', () => {
  it.each(['ES256', 'EdDSA'] as const)(
    'writes the %s public key as node:crypto reads it, in SPKI and COSE form',
    (alg) => {
      const { privateKey, publicKey } = generateCredentialKey(alg);
      const jwk = createPublicKey(privateKey).export({ format: 'jwk' });

      const { cose, spki } = credentialPublicKey(alg, publicKey);

      expect(Buffer.from(spki)).toEqual(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }));
      const map = decodeCBOR(cose) as Map<number, unknown>;
      const x = Buffer.from(map.get(-2) as Uint8Array).toString('base64url');
      if (alg === 'ES256') {
        expect([...map.keys()]).toEqual([1, 3, -1, -2, -3]);
        expect([map.get(1), map.get(3), map.get(-1), x]).toEqual([2, -7, 1, jwk.x]);
        expect(Buffer.from(map.get(-3) as Uint8Array).toString('base64url')).toBe(jwk.y);
      } else {
        expect([...map.keys()]).toEqual([1, 3, -1, -2]);
        expect([map.get(1), map.get(3), map.get(-1), x]).toEqual([1, -8, 6, jwk.x]);
      }
    },
  );

  it('signs ES256 in DER and EdDSA raw, each verifiable by node:crypto', () => {
    const data = new TextEncoder().encode('authenticatorData || clientDataHash');
    const ec = generateCredentialKey('ES256').privateKey;
    const ed = generateCredentialKey('EdDSA').privateKey;

    const ecSignature = signAssertion('ES256', ec, data);
    const edSignature = signAssertion('EdDSA', ed, data);

    expect(verify('sha256', data, { key: createPublicKey(ec), dsaEncoding: 'der' }, ecSignature)).toBe(true);
    expect(verify(null, data, createPublicKey(ed), edSignature)).toBe(true);
    expect(edSignature).toHaveLength(64);
  });

  it('reads a private JWK back only as a key of the expected algorithm', () => {
    const ec = exportPrivateJwk(generateCredentialKey('ES256').privateKey);
    const publicOnly = { ...ec, d: undefined };

    expect(importPrivateJwk(ec, 'ES256', 'privateKey').privateKey.asymmetricKeyType).toBe('ec');
    expect(() => importPrivateJwk(ec, 'EdDSA', 'privateKey')).toThrow(
      'privateKey must be a private JWK with kty "OKP", crv "Ed25519" and d, as EdDSA needs',
    );
    expect(() => importPrivateJwk(publicOnly, 'ES256', 'privateKey')).toThrow(/must be a private JWK/);
    expect(() => importPrivateJwk({ ...ec, d: 'A' }, 'ES256', 'privateKey')).toThrow(
      'privateKey is not a valid ES256 private key',
    );
    // parts of two different keys
    const other = exportPrivateJwk(generateCredentialKey('ES256').privateKey);
    const ed = exportPrivateJwk(generateCredentialKey('EdDSA').privateKey);
    const otherEd = exportPrivateJwk(generateCredentialKey('EdDSA').privateKey);
    expect(() => importPrivateJwk({ ...ec, d: other.d }, 'ES256', 'privateKey')).toThrow(
      'privateKey is not a valid ES256 private key: its private and public parts do not match',
    );
    expect(() => importPrivateJwk({ ...ed, d: otherEd.d }, 'EdDSA', 'privateKey')).toThrow(
      'privateKey is not a valid EdDSA private key: its private and public parts do not match',
    );
  });
});
