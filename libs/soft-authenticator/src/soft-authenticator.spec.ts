import { decodeCBOR } from '@levischuck/tiny-cbor';
import { verifyAuthenticationResponse, verifyRegistrationResponse } from '@simplewebauthn/server';
import { CredentialStore } from './credential-store';
import { SoftAuthenticatorError } from './errors';
import {
  EdDSA,
  ES256,
  approvalOptions,
  approve,
  commitment,
  decodeClientData,
  enrol,
  origin,
  registrationOptions,
  rpID,
  verifyApproval,
} from './relying-party.spec-helper';
import { SOFT_AUTHENTICATOR_AAGUID, SoftAuthenticator } from './soft-authenticator';

const coseAlg = (publicKey: Uint8Array) => (decodeCBOR(publicKey) as Map<number, unknown>).get(3);
const bytes = (b64url: string) => new Uint8Array(Buffer.from(b64url, 'base64url'));
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err as SoftAuthenticatorError,
  );

describe('SoftAuthenticator registration', () => {
  it('creates an ES256 passkey by default that verifyRegistrationResponse accepts with user verification required', async () => {
    const { response, verification } = await enrol(new SoftAuthenticator());

    expect(verification.verified).toBe(true);
    const info = verification.registrationInfo!;
    expect(info.fmt).toBe('none');
    expect(info.aaguid).toBe(SOFT_AUTHENTICATOR_AAGUID);
    expect(info.userVerified).toBe(true);
    expect(info.credential.counter).toBe(0);
    expect(coseAlg(info.credential.publicKey)).toBe(ES256);
    expect(response.response.publicKeyAlgorithm).toBe(ES256);
    expect(response.authenticatorAttachment).toBe('platform');
    expect(response.clientExtensionResults).toEqual({ credProps: { rk: true } });
  });

  it('writes clientDataJSON with type webauthn.create, the options challenge, the origin and crossOrigin false, in that order', async () => {
    const { options, response } = await enrol(new SoftAuthenticator());

    const text = Buffer.from(response.response.clientDataJSON, 'base64url').toString('utf8');
    expect(text).toBe(
      JSON.stringify({ type: 'webauthn.create', challenge: options.challenge, origin, crossOrigin: false }),
    );
  });

  it('sets UP, UV, AT and, as a synced passkey, BE and BS', async () => {
    const { response, verification } = await enrol(new SoftAuthenticator());

    const flags = bytes(response.response.authenticatorData!)[32];
    expect(flags).toBe(0x01 | 0x04 | 0x08 | 0x10 | 0x40);
    expect(verification.registrationInfo!.credentialDeviceType).toBe('multiDevice');
    expect(verification.registrationInfo!.credentialBackedUp).toBe(true);
  });

  it('clears BE and BS for a device-bound passkey', async () => {
    const { verification } = await enrol(new SoftAuthenticator({ backupEligible: false }));

    expect(verification.registrationInfo!.credentialDeviceType).toBe('singleDevice');
    expect(verification.registrationInfo!.credentialBackedUp).toBe(false);
  });

  it('creates an EdDSA (Ed25519) passkey when that is the first offered algorithm it supports', async () => {
    const phone = new SoftAuthenticator({ algorithms: ['ES256', 'EdDSA'] });
    const { response, verification } = await enrol(phone, { supportedAlgorithmIDs: [EdDSA, ES256] });

    expect(verification.verified).toBe(true);
    expect(response.response.publicKeyAlgorithm).toBe(EdDSA);
    expect(coseAlg(verification.registrationInfo!.credential.publicKey)).toBe(EdDSA);
    expect(phone.store.list()[0].algorithm).toBe('EdDSA');
  });

  it("honours the order of pubKeyCredParams, not its own list's", async () => {
    const phone = new SoftAuthenticator({ algorithms: ['EdDSA', 'ES256'] });

    const es256First = await enrol(phone, { supportedAlgorithmIDs: [ES256, EdDSA] });
    const eddsaFirst = await enrol(phone, { supportedAlgorithmIDs: [EdDSA, ES256], userID: new Uint8Array([2]) });

    expect(es256First.response.response.publicKeyAlgorithm).toBe(ES256);
    expect(eddsaFirst.response.response.publicKeyAlgorithm).toBe(EdDSA);
  });

  it('refuses with not_supported when no offered algorithm is one it supports', async () => {
    const phone = new SoftAuthenticator({ algorithms: ['EdDSA'] });
    const options = await registrationOptions({ supportedAlgorithmIDs: [ES256, -257] });

    const err = await rejection(phone.register(options, { origin }));

    expect(err.code).toBe('not_supported');
    expect(err.message).toMatch(/-7, -257.*EdDSA \(-8\)/);
    expect(phone.store.size).toBe(0);
  });

  it('refuses with credential_excluded when it holds a credential of excludeCredentials', async () => {
    const phone = new SoftAuthenticator();
    const { credential } = await enrol(phone);
    const options = await registrationOptions({ excludeCredentials: [{ id: credential.id }] });

    const err = await rejection(phone.register(options, { origin }));

    expect(err.code).toBe('credential_excluded');
    expect(phone.store.size).toBe(1);
  });

  it('replaces the discoverable credential of the same user and RP ID, as CTAP2 does', async () => {
    const phone = new SoftAuthenticator();
    const first = await enrol(phone);
    const second = await enrol(phone);

    expect(phone.store.size).toBe(1);
    expect(phone.store.get(first.credential.id)).toBeUndefined();
    expect(phone.store.get(second.credential.id)).toBeDefined();
  });

  it('creates a non-discoverable credential when residentKey is discouraged, and says so in credProps', async () => {
    const phone = new SoftAuthenticator();
    const { response, credential } = await enrol(phone, {
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'required' },
    });

    expect(response.clientExtensionResults).toEqual({ credProps: { rk: false } });
    expect(phone.store.get(credential.id)?.discoverable).toBe(false);
  });

  it('accepts an RP ID that is a parent domain of the origin host', async () => {
    const phone = new SoftAuthenticator();
    const appOrigin = 'https://app.owner.example.com';
    const options = await registrationOptions();

    const response = await phone.register(options, { origin: appOrigin });
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: appOrigin,
      expectedRPID: rpID,
    });

    expect(verification.verified).toBe(true);
  });

  it('names the malformed member of the options', async () => {
    const phone = new SoftAuthenticator();
    const options = await registrationOptions();

    const badChallenge = await rejection(phone.register({ ...options, challenge: 'not base64url!' }, { origin }));
    const longUserId = await rejection(
      phone.register({ ...options, user: { ...options.user, id: Buffer.alloc(65).toString('base64url') } }, { origin }),
    );
    const noOrigin = await rejection(phone.register(options, undefined as never));

    expect([badChallenge.code, badChallenge.message]).toEqual([
      'invalid_options',
      'challenge must be a base64url string, got a string with characters outside the base64url alphabet',
    ]);
    expect([longUserId.code, longUserId.message]).toEqual(['invalid_options', 'user.id must be 1 to 64 bytes, got 65']);
    expect(noOrigin.code).toBe('invalid_argument');
  });

  it('refuses invalid configuration when constructed', () => {
    expect(() => new SoftAuthenticator({ algorithms: ['RS256' as never] })).toThrow(/got RS256/);
    expect(() => new SoftAuthenticator({ algorithms: [] })).toThrow(SoftAuthenticatorError);
    expect(() => new SoftAuthenticator({ aaguid: 'soft' })).toThrow(/aaguid must be a UUID/);
    expect(() => new SoftAuthenticator({ backupEligible: false, backupState: true })).toThrow(
      /requires backupEligible/,
    );
  });
});

describe('SoftAuthenticator authentication', () => {
  it('approves with a discoverable ES256 passkey that verifyAuthenticationResponse accepts with UV required', async () => {
    const phone = new SoftAuthenticator();
    const { options, credential } = await enrol(phone);

    const { response, verification } = await approve(phone, credential);

    expect(verification.verified).toBe(true);
    expect(verification.authenticationInfo.userVerified).toBe(true);
    expect(verification.authenticationInfo.newCounter).toBe(1);
    expect(response.response.userHandle).toBe(options.user.id);
  });

  it('signs ES256 as an ASN.1 DER ECDSA signature', async () => {
    const phone = new SoftAuthenticator();
    const { credential } = await enrol(phone);

    const { response } = await approve(phone, credential);

    const signature = bytes(response.response.signature);
    expect(signature[0]).toBe(0x30); // SEQUENCE
    expect(signature[1]).toBe(signature.length - 2);
    expect(signature[2]).toBe(0x02); // INTEGER r
  });

  it('approves with an EdDSA passkey, its signature the raw 64 bytes', async () => {
    const phone = new SoftAuthenticator({ algorithms: ['EdDSA'] });
    const { credential } = await enrol(phone);

    const { response, verification } = await approve(phone, credential);

    expect(verification.verified).toBe(true);
    expect(bytes(response.response.signature)).toHaveLength(64);
  });

  it('carries the challenge bytes of the options unchanged, so the assertion commits to the request', async () => {
    const phone = new SoftAuthenticator();
    const { credential } = await enrol(phone);

    const { response } = await approve(phone, credential, { authReqId: 'req-001' });

    const clientData = decodeClientData(response.response.clientDataJSON);
    expect(clientData).toEqual({
      type: 'webauthn.get',
      challenge: Buffer.from(commitment('req-001')).toString('base64url'),
      origin,
      crossOrigin: false,
    });
    await expect(verifyApproval(response, credential, 'req-002')).rejects.toThrow(
      /Unexpected authentication response challenge/,
    );
  });

  it('signs with the credential listed in allowCredentials', async () => {
    const phone = new SoftAuthenticator();
    const alice = await enrol(phone);
    const bob = await enrol(phone, { userName: 'bob@example.com', userID: new TextEncoder().encode('owner-0002') });

    const { response, verification } = await approve(phone, bob.credential, {
      allowCredentials: [{ id: 'AAAAAAAAAAAAAAAAAAAAAA' }, { id: bob.credential.id }],
    });

    expect(verification.verified).toBe(true);
    expect(response.id).toBe(bob.credential.id);
    expect(response.id).not.toBe(alice.credential.id);
  });

  it('uses a non-discoverable credential only through allowCredentials, without a user handle', async () => {
    const phone = new SoftAuthenticator();
    const { credential } = await enrol(phone, {
      authenticatorSelection: { residentKey: 'discouraged', userVerification: 'required' },
    });

    const discoverable = await rejection(phone.authenticate(await approvalOptions(), { origin }));
    const { response, verification } = await approve(phone, credential, { allowCredentials: [{ id: credential.id }] });

    expect(discoverable.code).toBe('no_credential');
    expect(verification.verified).toBe(true);
    expect(response.response.userHandle).toBeUndefined();
  });

  it('asks the caller to pick when several discoverable credentials match, and uses the picked one', async () => {
    const phone = new SoftAuthenticator();
    await enrol(phone);
    const bob = await enrol(phone, { userName: 'bob@example.com', userID: new TextEncoder().encode('owner-0002') });

    const ambiguous = await rejection(phone.authenticate(await approvalOptions(), { origin }));
    const byUser = await approve(phone, bob.credential, { userHandle: bob.options.user.id });
    const byId = await approve(phone, bob.credential, { credentialId: bob.credential.id });

    expect([ambiguous.code, ambiguous.message]).toEqual([
      'ambiguous_credential',
      '2 discoverable credentials for owner.example.com: pass credentialId or userHandle to pick one',
    ]);
    expect(byUser.response.id).toBe(bob.credential.id);
    expect(byId.response.id).toBe(bob.credential.id);
  });

  it('finds no credential for another RP ID or outside allowCredentials', async () => {
    const phone = new SoftAuthenticator();
    await enrol(phone);
    const elsewhere = await approvalOptions();

    const otherRp = await rejection(
      phone.authenticate({ ...elsewhere, rpId: 'other.example.com' }, { origin: 'https://other.example.com' }),
    );
    const notAllowed = await rejection(
      phone.authenticate({ ...elsewhere, allowCredentials: [{ id: 'AAAA', type: 'public-key' }] }, { origin }),
    );

    expect([otherRp.code, otherRp.message]).toEqual([
      'no_credential',
      'this authenticator holds no credential discoverable for other.example.com',
    ]);
    expect(notAllowed.code).toBe('no_credential');
  });

  it('increments the signature counter by one per assertion', async () => {
    const phone = new SoftAuthenticator();
    const { credential } = await enrol(phone);

    const counters: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { verification } = await approve(phone, credential);
      expect(verification.verified).toBe(true);
      credential.counter = verification.authenticationInfo.newCounter;
      counters.push(credential.counter);
    }

    expect(counters).toEqual([1, 2, 3]);
    expect(phone.store.get(credential.id)?.signCount).toBe(3);
  });

  it('keeps the counter at zero, as a synced passkey does, and the relying party accepts every assertion', async () => {
    const phone = new SoftAuthenticator({ signCountMode: 'zero' });
    const { credential } = await enrol(phone);

    for (let i = 0; i < 3; i++) {
      const { verification } = await approve(phone, credential);
      expect(verification.verified).toBe(true);
      expect(verification.authenticationInfo.newCounter).toBe(0);
      expect(verification.authenticationInfo.credentialBackedUp).toBe(true);
    }
  });

  it('shares a store between authenticators', async () => {
    const store = new CredentialStore();
    const { credential } = await enrol(new SoftAuthenticator({ store }));

    const { verification } = await approve(new SoftAuthenticator({ store }), credential);

    expect(verification.verified).toBe(true);
  });
});

describe('SoftAuthenticator faults for negative tests', () => {
  it('registration without user verification is refused by verifyRegistrationResponse', async () => {
    await expect(enrol(new SoftAuthenticator(), {}, { userNotVerified: true })).rejects.toThrow(
      'User verification was required, but user could not be verified',
    );
  });

  it('registration from a wrong origin is refused', async () => {
    await expect(enrol(new SoftAuthenticator(), {}, { origin: 'https://evil.example' })).rejects.toThrow(
      `Unexpected registration response origin "https://evil.example", expected "${origin}"`,
    );
  });

  it('registration scoped to a wrong RP ID is refused', async () => {
    await expect(enrol(new SoftAuthenticator(), {}, { rpId: 'evil.example' })).rejects.toThrow('Unexpected RP ID hash');
  });

  describe.each(['ES256', 'EdDSA'] as const)('assertions with %s', (algorithm) => {
    let phone: SoftAuthenticator;
    let credential: Awaited<ReturnType<typeof enrol>>['credential'];
    beforeEach(async () => {
      phone = new SoftAuthenticator({ algorithms: [algorithm] });
      ({ credential } = await enrol(phone));
    });

    it('the same approval without faults verifies (the control)', async () => {
      await expect(approve(phone, credential)).resolves.toMatchObject({ verification: { verified: true } });
    });

    it('without user verification is refused', async () => {
      const faults = { userNotVerified: true };
      const response = await phone.authenticate(await approvalOptions(), { origin, faults });

      expect(bytes(response.response.authenticatorData)[32] & 0x04).toBe(0);
      await expect(verifyApproval(response, credential)).rejects.toThrow(
        'User verification required, but user could not be verified',
      );
    });

    it('from a wrong origin is refused', async () => {
      await expect(approve(phone, credential, { faults: { origin: 'https://evil.example' } })).rejects.toThrow(
        `Unexpected authentication response origin "https://evil.example", expected "${origin}"`,
      );
    });

    it('scoped to a wrong RP ID is refused', async () => {
      await expect(approve(phone, credential, { faults: { rpId: 'evil.example' } })).rejects.toThrow(
        'Unexpected RP ID hash',
      );
    });

    it('with a tampered signature is not verified', async () => {
      const { verification } = await approve(phone, credential, { faults: { tamperedSignature: true } });
      expect(verification.verified).toBe(false);
    });

    it('with a replayed counter is refused', async () => {
      const first = await approve(phone, credential);
      credential.counter = first.verification.authenticationInfo.newCounter;

      await expect(approve(phone, credential, { faults: { replayedCounter: true } })).rejects.toThrow(
        'Response counter value 1 was lower than expected 1',
      );
    });
  });

  it('a zero-counter credential ignores replayedCounter (nothing to replay)', async () => {
    const phone = new SoftAuthenticator({ signCountMode: 'zero' });
    const { credential } = await enrol(phone);

    const { verification } = await approve(phone, credential, { faults: { replayedCounter: true } });

    expect(verification.verified).toBe(true);
  });

  it('faults leave the stored credential usable', async () => {
    const phone = new SoftAuthenticator();
    const { credential } = await enrol(phone);
    await approve(phone, credential, { faults: { tamperedSignature: true, rpId: 'evil.example' } }).catch(() => {});

    const options = await approvalOptions();
    const response = await phone.authenticate(options, { origin });
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential,
    });

    expect(verification.verified).toBe(true);
  });
});
