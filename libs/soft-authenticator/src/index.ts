/**
 * Public API of @onboard/soft-authenticator: a software WebAuthn authenticator (with the browser's
 * part of a ceremony) for the device simulator and the test suites, so that virtual owners enrol
 * passkeys and approve requests through the relying party's real verification path. Framework-free;
 * it imports none of the server libraries. Built on node:crypto and @levischuck/tiny-cbor.
 *
 * @example
 * import { CredentialStore, SoftAuthenticator } from '@onboard/soft-authenticator';
 *
 * const phone = new SoftAuthenticator({ algorithms: ['ES256', 'EdDSA'] });
 * const origin = 'https://owner.example.com';
 * // enrol: options from the provider's enrolment endpoint, response back to it
 * const registration = await phone.register(creationOptionsJSON, { origin });
 * // approve a CIBA request: the options' challenge commits to the request
 * const assertion = await phone.authenticate(requestOptionsJSON, { origin });
 * // negative test: the provider must refuse an assertion without user verification
 * const unverified = await phone.authenticate(requestOptionsJSON, { origin, faults: { userNotVerified: true } });
 * // keep the fleet for the next run
 * await writeFile('owners.json', JSON.stringify(phone.store));
 * const reloaded = new SoftAuthenticator({ store: CredentialStore.fromJSON(await readFile('owners.json', 'utf8')) });
 */
export * from './errors';
export {
  SOFT_AUTHENTICATOR_AAGUID,
  SoftAuthenticator,
  type SoftAuthenticatorOptions,
  type RegisterOptions,
  type AuthenticateOptions,
  type RegistrationFaults,
  type AssertionFaults,
} from './soft-authenticator';
export {
  CREDENTIAL_EXPORT_FORMAT,
  CredentialStore,
  type SoftCredential,
  type SignCountMode,
  type ExportedCredential,
  type CredentialExport,
} from './credential-store';
export { COSE_ALGORITHM_ID, SOFT_ALGORITHMS, type SoftAlgorithm } from './credential-key';
export { AUTHENTICATOR_FLAGS } from './authenticator-data';
