import { CREDENTIAL_EXPORT_FORMAT, CredentialStore, type CredentialExport } from './credential-store';
import { SoftAuthenticatorError } from './errors';
import { approve, enrol } from './relying-party.spec-helper';
import { SoftAuthenticator } from './soft-authenticator';

const owner = (n: number) => ({
  userName: `owner${n}@example.com`,
  userDisplayName: `Owner ${n}`,
  userID: new TextEncoder().encode(`owner-${n}`),
});

async function fleet() {
  const store = new CredentialStore();
  const es256 = new SoftAuthenticator({ store });
  const eddsa = new SoftAuthenticator({ store, algorithms: ['EdDSA'], signCountMode: 'zero', backupEligible: false });
  const alice = await enrol(es256, owner(1));
  const bob = await enrol(eddsa, owner(2));
  const first = await approve(es256, alice.credential, { userHandle: alice.options.user.id });
  alice.credential.counter = first.verification.authenticationInfo.newCounter;
  return { store, alice, bob };
}

function importError(data: unknown): SoftAuthenticatorError {
  try {
    CredentialStore.fromJSON(data);
  } catch (err) {
    return err as SoftAuthenticatorError;
  }
  throw new Error('expected the import to fail');
}

describe('CredentialStore', () => {
  it('exports to JSON with private JWKs and imports it back into credentials that keep approving', async () => {
    const { store, alice, bob } = await fleet();

    const file = JSON.stringify(store);
    const reloaded = CredentialStore.fromJSON(file);
    const phone = new SoftAuthenticator({ store: reloaded });
    const aliceAgain = await approve(phone, alice.credential, { userHandle: alice.options.user.id });
    const bobAgain = await approve(phone, bob.credential, { userHandle: bob.options.user.id });

    expect(reloaded.size).toBe(2);
    expect(aliceAgain.verification).toMatchObject({ verified: true, authenticationInfo: { newCounter: 2 } });
    expect(bobAgain.verification).toMatchObject({
      verified: true,
      authenticationInfo: { newCounter: 0, credentialDeviceType: 'singleDevice' },
    });
    expect(reloaded.get(alice.credential.id)?.publicKey).toEqual(alice.credential.publicKey);
    expect(reloaded.get(bob.credential.id)?.publicKey).toEqual(bob.credential.publicKey);
  });

  it('writes every credential property and the private key, and nothing that is not JSON', async () => {
    const { store, bob } = await fleet();

    const exported = JSON.parse(JSON.stringify(store)) as CredentialExport;
    const record = exported.credentials.find((c) => c.id === bob.credential.id)!;

    expect(exported.format).toBe(CREDENTIAL_EXPORT_FORMAT);
    expect(record).toEqual({
      id: bob.credential.id,
      rpId: 'owner.example.com',
      userHandle: bob.options.user.id,
      userName: 'owner2@example.com',
      userDisplayName: 'Owner 2',
      algorithm: 'EdDSA',
      discoverable: true,
      backupEligible: false,
      backupState: false,
      signCountMode: 'zero',
      signCount: 0,
      privateKey: { kty: 'OKP', crv: 'Ed25519', x: expect.any(String), d: expect.any(String) },
    });
  });

  it('finds credentials by RP ID and user handle, and forgets deleted ones', async () => {
    const { store, alice, bob } = await fleet();

    expect(store.find('owner.example.com').map((c) => c.id)).toEqual([alice.credential.id, bob.credential.id]);
    expect(store.find('owner.example.com', bob.options.user.id).map((c) => c.id)).toEqual([bob.credential.id]);
    expect(store.find('other.example.com')).toEqual([]);
    expect(store.delete(alice.credential.id)).toBe(true);
    expect(store.delete(alice.credential.id)).toBe(false);
    expect(store.find('owner.example.com').map((c) => c.id)).toEqual([bob.credential.id]);
  });

  it('refuses an export it cannot read, naming the member, and adds nothing', async () => {
    const { store } = await fleet();
    const good = store.toJSON();
    const withRecord = (patch: Record<string, unknown>, index = 1) => ({
      ...good,
      credentials: good.credentials.map((c, i) => (i === index ? { ...c, ...patch } : c)),
    });

    expect(importError('{').message).toBe('the credential export is not valid JSON');
    expect(importError({ credentials: [] }).message).toBe(`format must be "${CREDENTIAL_EXPORT_FORMAT}"`);
    expect(importError(withRecord({ algorithm: 'RS256' })).message).toBe(
      'credentials[1].algorithm must be one of ES256, EdDSA',
    );
    expect(importError(withRecord({ privateKey: good.credentials[0].privateKey })).message).toBe(
      'credentials[1].privateKey must be a private JWK with kty "OKP", crv "Ed25519" and d, as EdDSA needs',
    );
    expect(importError(withRecord({ signCount: -1 })).message).toBe(
      'credentials[1].signCount must be an integer from 0 to 2^32-1',
    );
    expect(importError(withRecord({ id: 'not base64url!' })).code).toBe('invalid_import');
    expect(importError(withRecord({ rpId: '' })).message).toBe('credentials[1].rpId must be a non-empty string');

    const target = new CredentialStore();
    expect(() => target.addFromJSON(withRecord({ backupState: true }))).toThrow(
      'credentials[1].backupState cannot be true when backupEligible is false',
    );
    expect(target.size).toBe(0);
  });
});
