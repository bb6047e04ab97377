import { createHash } from 'node:crypto';
import { aaguidBytes, authenticatorData } from './authenticator-data';

describe('authenticatorData', () => {
  it('lays out rpIdHash, flags and a big-endian counter in 37 bytes for an assertion', () => {
    const data = authenticatorData('owner.example.com', 0x05, 0x01020304);

    expect(data).toHaveLength(37);
    expect(Buffer.from(data.subarray(0, 32))).toEqual(createHash('sha256').update('owner.example.com').digest());
    expect(data[32]).toBe(0x05);
    expect([...data.subarray(33, 37)]).toEqual([1, 2, 3, 4]);
  });

  it('appends attested credential data and sets AT exactly when it is given', () => {
    const aaguid = aaguidBytes('00112233-4455-6677-8899-aabbccddeeff')!;
    const credentialId = new Uint8Array([9, 8, 7]);
    const cosePublicKey = new Uint8Array([0xa1, 0x01, 0x02]);

    const data = authenticatorData('owner.example.com', 0x05 | 0x40, 0, { aaguid, credentialId, cosePublicKey });

    expect(data[32]).toBe(0x45);
    expect(Buffer.from(data.subarray(37, 53)).toString('hex')).toBe('00112233445566778899aabbccddeeff');
    expect([...data.subarray(53)]).toEqual([0, 3, 9, 8, 7, 0xa1, 0x01, 0x02]);
    expect(authenticatorData('owner.example.com', 0x45, 0)[32]).toBe(0x05);
  });

  it('reads an AAGUID only in UUID form', () => {
    expect(aaguidBytes('not-a-uuid')).toBeUndefined();
    expect(aaguidBytes('00000000-0000-0000-0000-000000000000')).toHaveLength(16);
  });
});
