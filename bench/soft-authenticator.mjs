#!/usr/bin/env node
// Throughput of the software WebAuthn authenticator (@onboard/soft-authenticator) that the device
// simulator and the tests enrol and approve with: registrations/s and assertions/s on one core,
// per algorithm, the authenticator alone and with @simplewebauthn/server verifying every response
// (the provider's cost per enrolment and approval), and the time to export and re-import a fleet.
//   npm run build && node bench/soft-authenticator.mjs [--owners 2000] [--assertions 5000]
// Results on stdout (--json for machines); see libs/soft-authenticator/README.md.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = resolve(import.meta.dirname, '..');
const { SoftAuthenticator, CredentialStore } = require(resolve(root, 'dist/libs/soft-authenticator/src/index.js'));
const { verifyAuthenticationResponse, verifyRegistrationResponse } = require('@simplewebauthn/server');

const { values: args } = parseArgs({
  options: {
    owners: { type: 'string', default: '2000' },
    assertions: { type: 'string', default: '5000' },
    json: { type: 'boolean', default: false },
  },
});
const OWNERS = Number(args.owners);
const ASSERTIONS = Number(args.assertions);
const rpID = 'owner.example.com';
const origin = `https://${rpID}`;
const b64 = (bytes) => Buffer.from(bytes).toString('base64url');

// Options as generateRegistrationOptions / generateAuthenticationOptions return them, built by hand
// so that the figures are the authenticator's (and the verifier's) alone.
const creationOptions = (n) => ({
  challenge: b64(randomBytes(32)),
  rp: { name: 'Onboard', id: rpID },
  user: { id: b64(Buffer.from(`owner-${n}`)), name: `owner${n}@example.com`, displayName: `Owner ${n}` },
  pubKeyCredParams: [
    { type: 'public-key', alg: -8 },
    { type: 'public-key', alg: -7 },
  ],
  authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
  attestation: 'none',
  extensions: { credProps: true },
});
const requestOptions = (credentialId, n) => ({
  challenge: b64(createHash('sha256').update(`req-${n}`).digest()),
  rpId: rpID,
  allowCredentials: [{ id: credentialId, type: 'public-key' }],
  userVerification: 'required',
});

async function rate(label, count, fn) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { label, count, seconds: +seconds.toFixed(3), perSecond: Math.round(count / seconds) };
}

const results = [];
for (const algorithm of ['ES256', 'EdDSA']) {
  process.stderr.write(`${algorithm}: ${OWNERS} registrations, ${ASSERTIONS} assertions…\n`);
  const phone = new SoftAuthenticator({ algorithms: [algorithm] });
  const registrations = [];
  results.push(
    await rate(`${algorithm} register`, OWNERS, async (n) => {
      const options = creationOptions(n);
      registrations.push({ options, response: await phone.register(options, { origin }) });
    }),
  );
  const credentials = [];
  results.push(
    await rate(`${algorithm} verifyRegistrationResponse`, OWNERS, async (n) => {
      const { options, response } = registrations[n];
      const { registrationInfo } = await verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      });
      credentials.push(registrationInfo.credential);
    }),
  );
  const assertions = [];
  results.push(
    await rate(`${algorithm} authenticate`, ASSERTIONS, async (i) => {
      const credential = credentials[i % OWNERS];
      const options = requestOptions(credential.id, i);
      assertions.push({ options, credential, response: await phone.authenticate(options, { origin }) });
    }),
  );
  const counters = new Map();
  results.push(
    await rate(`${algorithm} verifyAuthenticationResponse`, ASSERTIONS, async (i) => {
      const { options, credential, response } = assertions[i];
      const { verified, authenticationInfo } = await verifyAuthenticationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
        credential: { ...credential, counter: counters.get(credential.id) ?? 0 },
      });
      if (!verified) throw new Error(`assertion ${i} was not verified`);
      counters.set(credential.id, authenticationInfo.newCounter);
    }),
  );
  let file = '';
  results.push(await rate(`${algorithm} export ${OWNERS} credentials`, 1, () => (file = JSON.stringify(phone.store))));
  results.push(await rate(`${algorithm} import ${OWNERS} credentials`, 1, () => CredentialStore.fromJSON(file)));
}

if (args.json) {
  console.log(JSON.stringify({ node: process.version, owners: OWNERS, assertions: ASSERTIONS, results }, null, 2));
} else {
  console.log(`node ${process.version}, ${OWNERS} owners, ${ASSERTIONS} assertions per algorithm`);
  for (const r of results) {
    const figure =
      r.count > 1 ? `${String(r.perSecond).padStart(7)} /s` : `${(r.seconds * 1000).toFixed(0).padStart(7)} ms`;
    console.log(`${r.label.padEnd(42)} ${figure}`);
  }
}
