import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import { SoftAuthenticator, type SoftAlgorithm } from '@onboard/soft-authenticator';
import { RECEIPT_TYPE, verifyReceipt, type ReceiptPayload } from './receipt';

const RP_ID = 'owner.example.com';
const ORIGIN = `https://${RP_ID}`;
const commitment = {
  auth_req_id_hash: 'q2x8V1xk0bQ6o2o9WvZ3sA',
  client_id: 'agent-desk',
  binding_message: 'BLUE-42',
  scope: 'openid',
  authorization_details: [{ type: 'order_pickup', order: 'A-17' }],
  nonce: 'n-0001',
};
const challengeOf = (fields: Record<string, unknown>) =>
  createHash('sha256')
    .update(canonicalize(fields) ?? '')
    .digest('base64url');

/** An owner's enrolled passkey and an approval made with it, as the provider stores them. */
async function approval(algorithm: SoftAlgorithm, faults: { userNotVerified?: boolean } = {}) {
  const phone = new SoftAuthenticator({ algorithms: [algorithm] });
  const creation = await generateRegistrationOptions({
    rpName: 'Onboard',
    rpID: RP_ID,
    userName: 'alice',
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    supportedAlgorithmIDs: [algorithm === 'EdDSA' ? -8 : -7],
  });
  const registration = await phone.register(creation, { origin: ORIGIN });
  const verified = await verifyRegistrationResponse({
    response: registration,
    expectedChallenge: creation.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: true,
  });
  if (!verified.verified) throw new Error('registration did not verify');
  const assertion = await phone.authenticate(
    {
      challenge: challengeOf(commitment),
      rpId: RP_ID,
      allowCredentials: [{ id: registration.id, type: 'public-key' }],
      userVerification: 'required',
    },
    { origin: ORIGIN, faults },
  );
  const payload: ReceiptPayload = {
    iss: 'https://onboard.example.com',
    sub: 'sub-alice',
    aud: 'agent-desk',
    iat: 1_800_000_100,
    approved_at: 1_800_000_090,
    commitment,
    assertion: {
      credential_id: assertion.id,
      authenticator_data: assertion.response.authenticatorData,
      client_data_json: assertion.response.clientDataJSON,
      signature: assertion.response.signature,
    },
    credential_public_key: Buffer.from(verified.registrationInfo.credential.publicKey).toString('base64url'),
    rp_id: RP_ID,
  };
  return payload;
}

const provider = (async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwks: JSONWebKeySet = { keys: [{ ...(await exportJWK(publicKey)), kid: 'p1', alg: 'ES256', use: 'sig' }] };
  const sign = (payload: unknown, typ = RECEIPT_TYPE) =>
    new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'ES256', kid: 'p1', typ })
      .sign(privateKey);
  return { jwks, sign };
})();

describe('verifyReceipt (offline, with the provider JWKS only)', () => {
  it.each(['ES256', 'EdDSA'] as const)('accepts a receipt for a %s passkey approval', async (algorithm) => {
    const { jwks, sign } = await provider;
    const payload = await approval(algorithm);
    const verdict = await verifyReceipt(await sign(payload), jwks);
    expect(verdict).toEqual({ ok: true, payload });
  });

  it('names the provider signature when the receipt was signed by another key', async () => {
    const { jwks } = await provider;
    const other = await generateKeyPair('ES256');
    const forged = await new CompactSign(new TextEncoder().encode(JSON.stringify(await approval('ES256'))))
      .setProtectedHeader({ alg: 'ES256', kid: 'p1', typ: RECEIPT_TYPE })
      .sign(other.privateKey);
    expect(await verifyReceipt(forged, jwks)).toMatchObject({ ok: false, check: 'provider_signature' });
  });

  it('names the challenge when a committed field was changed after the approval', async () => {
    const { jwks, sign } = await provider;
    const payload = await approval('ES256');
    const changed = { ...payload, commitment: { ...payload.commitment, binding_message: 'RED-7' } };
    expect(await verifyReceipt(await sign(changed), jwks)).toMatchObject({ ok: false, check: 'challenge' });
  });

  it('names the authenticator data for another RP ID and for an assertion without user verification', async () => {
    const { jwks, sign } = await provider;
    const otherRp = { ...(await approval('ES256')), rp_id: 'evil.example.com' };
    expect(await verifyReceipt(await sign(otherRp), jwks)).toMatchObject({
      ok: false,
      check: 'authenticator_data',
      reason: 'the RP ID hash does not match rp_id',
    });
    const unverified = await approval('ES256', { userNotVerified: true });
    expect(await verifyReceipt(await sign(unverified), jwks)).toMatchObject({
      ok: false,
      check: 'authenticator_data',
      reason: 'user presence or verification flag not set',
    });
  });

  it("names the owner's signature when it does not verify under the embedded key", async () => {
    const { jwks, sign } = await provider;
    const payload = await approval('ES256');
    const otherKey = (await approval('ES256')).credential_public_key;
    expect(await verifyReceipt(await sign({ ...payload, credential_public_key: otherKey }), jwks)).toMatchObject({
      ok: false,
      check: 'assertion_signature',
    });
  });

  it('names the format for another typ, a payload without an assertion, and garbage', async () => {
    const { jwks, sign } = await provider;
    const payload = await approval('ES256');
    expect(await verifyReceipt(await sign(payload, 'JWT'), jwks)).toMatchObject({ ok: false, check: 'format' });
    const { assertion: _dropped, ...withoutAssertion } = payload;
    expect(await verifyReceipt(await sign(withoutAssertion), jwks)).toMatchObject({ ok: false, check: 'format' });
    expect(await verifyReceipt('not-a-receipt', jwks)).toMatchObject({ ok: false, check: 'format' });
  });
});
