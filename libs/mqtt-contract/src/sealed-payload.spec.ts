import { exportJWK, generateKeyPair } from 'jose';
import { decodeDeviceMessage } from './decode';
import { isSealedPayload, openSealedPayload, sealDeviceMessage } from './sealed-payload';

describe('sealed payloads (docs/protocol.md §5a)', () => {
  it('seal a message to the bridge key so that only that key opens it, differently each time', async () => {
    const bridge = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
    const publicJwk = { ...(await exportJWK(bridge.publicKey)), kid: 'b-1', use: 'enc' };
    const message = { type: 'refresh', requestId: 'r-1', refreshToken: 'rt-secret', clientAssertion: 'a.b.c' } as const;
    const [one, two] = await Promise.all([
      sealDeviceMessage(message, publicJwk),
      sealDeviceMessage(message, publicJwk),
    ]);
    expect(one.equals(two)).toBe(false);
    expect(isSealedPayload(one)).toBe(true);
    expect(one.toString()).not.toContain('rt-secret');

    const opened = await openSealedPayload(one, (kid) => (kid === 'b-1' ? [bridge.privateKey] : []));
    expect(opened.ok && decodeDeviceMessage('refresh', opened.plaintext)).toEqual({ ok: true, message });
    const other = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
    expect(await openSealedPayload(one, () => [other.privateKey])).toEqual({
      ok: false,
      description: "the sealed payload could not be decrypted with the bridge's key",
    });
    expect(await openSealedPayload(one, () => [])).toEqual({
      ok: false,
      description: "the sealed payload's kid is not a bridge key",
    });
  });

  it('tells a JSON payload from a compact JWE', () => {
    expect(isSealedPayload(Buffer.from('{"request_id":"a"}'))).toBe(false);
    expect(isSealedPayload(Buffer.from('a.b.c'))).toBe(false);
    expect(isSealedPayload(Buffer.from('eyJh.Zm9v.YmFy.YmF6.cXV4'))).toBe(true);
  });
});
