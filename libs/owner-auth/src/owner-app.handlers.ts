import { createHash, createPublicKey } from 'node:crypto';
import {
  AccessDenied,
  Conflict,
  InvalidRequest,
  NotFound,
  OWNER_SESSION_COOKIE,
  authenticateOwnerDevice,
  createInvitation,
  hashCredential,
  jsonNoStore,
  limitPasskeyAttempt,
  outboundTargetProblem,
  parseJsonBody,
  relyingParty,
  renderHttpError,
  sessionCookie,
  urlProblem,
  VAPID_KEY_ID,
  type AuthenticatedOwnerDevice,
  type Owner,
  type OwnerDevice,
  type Passkey,
  type ProviderContext,
  type WireRequest,
  type WireResponse,
} from '@onboard/ciba-core';
import { validate } from '@onboard/platform';
import type { TSchema, Static } from 'typebox';
import {
  EmptyBody,
  EnrolmentOptionsBody,
  EnrolmentVerifyBody,
  PushSubscriptionBody,
  PushUnsubscribeBody,
  SessionVerifyBody,
} from './owner-app.schemas';
import { approvalOptions } from './passkey-approvals';
import { listPairedVehicles, unpairVehicle } from './vehicles';
import {
  PASSKEY_ALGORITHMS,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAssertion,
  verifyRegistration,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from './webauthn';

/** A device as the owner app lists it. */
export interface DeviceView {
  id: string;
  name: string;
  kind: 'passkey' | 'credential';
  created_at: string;
  last_used_at?: string;
  current: boolean;
}

const iso = (ms: number) => new Date(ms).toISOString();
const INVITATION_UNUSABLE = 'the invitation is expired or already used: ask for a new one';

/** A JSON body checked against its schema (an empty body counts as `{}`). */
function body<S extends TSchema>(req: WireRequest, schema: S): Static<S> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') throw new InvalidRequest('content-type must be application/json');
  const value = req.rawBody && req.rawBody.length > 0 ? parseJsonBody(req) : {};
  return validate(schema, value);
}

/** What the app shows of the owner: a name, never the e-mail address in full. */
function ownerView(owner: Owner): { sub: string; display_name?: string } {
  const display = owner.name ?? owner.username ?? maskEmail(owner.email);
  return { sub: owner.sub, ...(display ? { display_name: display } : {}) };
}

function maskEmail(email: string | undefined): string | undefined {
  if (!email) return undefined;
  const [local, domain] = email.split('@');
  return domain ? `${local.slice(0, 1)}***@${domain}` : undefined;
}

function passkeyView(passkey: Passkey, currentId?: string): DeviceView {
  return {
    id: passkey.id,
    name: passkey.name,
    kind: 'passkey',
    created_at: iso(passkey.createdAt),
    ...(passkey.lastUsedAt !== undefined ? { last_used_at: iso(passkey.lastUsedAt) } : {}),
    current: passkey.id === currentId,
  };
}

function credentialDeviceView(device: OwnerDevice, currentId?: string): DeviceView {
  return {
    id: device.id,
    name: device.name ?? 'Device',
    kind: 'credential',
    created_at: iso(device.createdAt),
    current: device.id === currentId,
  };
}

/** `Set-Cookie` of a new session, scoped to the owner-device API. */
function sessionCookieHeader(ctx: ProviderContext, token: string, maxAge: number): string {
  const secure = ctx.settings.issuer.startsWith('https:') ? '; Secure' : '';
  return `${OWNER_SESSION_COOKIE}=${token}; Path=/owner-device/; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secure}`;
}

async function startSession(ctx: ProviderContext, passkey: Passkey): Promise<string> {
  const token = ctx.random.token(32);
  const now = ctx.clock.now();
  await ctx.stores.passkeys.saveSession({
    tokenHash: hashCredential(token),
    sub: passkey.sub,
    deviceId: passkey.id,
    createdAt: now,
    expiresAt: now + ctx.settings.ownerApp.sessionTtl * 1000,
  });
  return sessionCookieHeader(ctx, token, ctx.settings.ownerApp.sessionTtl);
}

/** A stable, opaque WebAuthn user handle for an owner (no personal data). */
const userHandle = (sub: string) => new Uint8Array(createHash('sha256').update(`onboard-owner:${sub}`).digest());

async function signedIn(ctx: ProviderContext, req: WireRequest): Promise<AuthenticatedOwnerDevice> {
  return authenticateOwnerDevice(ctx, req);
}

const wrap =
  <A extends unknown[]>(fn: (ctx: ProviderContext, req: WireRequest, ...args: A) => Promise<WireResponse>) =>
  async (ctx: ProviderContext, req: WireRequest, ...args: A): Promise<WireResponse> => {
    try {
      return await fn(ctx, req, ...args);
    } catch (error) {
      return renderHttpError(error, ctx.logger);
    }
  };

/**
 * `POST /enrolment/options` `{invitation}`: WebAuthn creation options for the invited owner
 * (user verification required, resident key preferred, ES256 and EdDSA).
 */
export const handleEnrolmentOptions = wrap(async (ctx, req) => {
  const { invitation: token } = body(req, EnrolmentOptionsBody);
  await limitPasskeyAttempt(ctx, { source: req.ip });
  const invitation = await ctx.stores.passkeys.findInvitation(hashCredential(token));
  const now = ctx.clock.now();
  if (!invitation || invitation.usedAt !== undefined || invitation.expiresAt <= now) {
    throw new InvalidRequest(INVITATION_UNUSABLE);
  }
  await limitPasskeyAttempt(ctx, { sub: invitation.sub });
  const owner = await ctx.stores.owners.find(invitation.sub);
  if (!owner || owner.disabled) throw new InvalidRequest(INVITATION_UNUSABLE);
  const existing = (await ctx.stores.passkeys.listPasskeys(owner.sub)).filter((p) => p.removedAt === undefined);
  const rp = relyingParty(ctx.settings);
  const view = ownerView(owner);
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userID: userHandle(owner.sub),
    userName: view.display_name ?? 'owner',
    userDisplayName: view.display_name ?? '',
    attestationType: 'none',
    supportedAlgorithmIDs: PASSKEY_ALGORITHMS,
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'required' },
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as never })),
    timeout: ctx.settings.ownerApp.challengeTtl * 1000,
  });
  const enrolmentId = ctx.random.uuid();
  await ctx.stores.passkeys.saveChallenge({
    id: enrolmentId,
    purpose: 'enrolment',
    challenge: options.challenge,
    sub: owner.sub,
    invitationId: invitation.id,
    expiresAt: Math.min(invitation.expiresAt, now + ctx.settings.ownerApp.challengeTtl * 1000),
  });
  return jsonNoStore(200, {
    enrolment_id: enrolmentId,
    owner: { ...(view.display_name ? { display_name: view.display_name } : {}) },
    public_key: options,
  });
});

/**
 * `POST /enrolment/verify` `{enrolment_id, device_name?, credential}`: verifies the new
 * passkey, spends the invitation (once), stores the passkey and signs this phone in.
 */
export const handleEnrolmentVerify = wrap(async (ctx, req) => {
  const input = body(req, EnrolmentVerifyBody);
  await limitPasskeyAttempt(ctx, { source: req.ip });
  const challenge = await ctx.stores.passkeys.takeChallenge(input.enrolment_id);
  const now = ctx.clock.now();
  if (!challenge || challenge.purpose !== 'enrolment' || challenge.expiresAt <= now || !challenge.invitationId) {
    throw new InvalidRequest(INVITATION_UNUSABLE);
  }
  await limitPasskeyAttempt(ctx, { sub: challenge.sub });
  const result = await verifyRegistration(
    input.credential as unknown as RegistrationResponseJSON,
    challenge.challenge,
    relyingParty(ctx.settings),
  );
  if (!result.ok) {
    ctx.logger.warn('enrolment refused: registration did not verify', { reason: result.reason });
    throw new InvalidRequest('the passkey could not be verified');
  }
  if (!PASSKEY_ALGORITHMS.includes(result.algorithm)) throw new InvalidRequest('use an ES256 or EdDSA passkey');
  if (await ctx.stores.passkeys.findPasskeyByCredentialId(result.credentialId)) {
    throw new InvalidRequest('this passkey is already enrolled: sign in instead');
  }
  const passkey: Passkey = {
    id: ctx.random.uuid(),
    sub: challenge.sub!,
    name: input.device_name ?? 'Phone',
    credentialId: result.credentialId,
    publicKey: result.publicKey,
    algorithm: result.algorithm,
    counter: result.counter,
    ...(result.transports ? { transports: result.transports } : {}),
    createdAt: now,
    lastUsedAt: now,
  };
  await ctx.stores.transaction(async (stores) => {
    if (!(await stores.passkeys.useInvitation(challenge.invitationId!, now))) {
      throw new InvalidRequest(INVITATION_UNUSABLE);
    }
    await stores.passkeys.savePasskey(passkey);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'owner_device.enrolled',
      sub: passkey.sub,
      data: { deviceId: passkey.id, credentialId: passkey.credentialId, algorithm: passkey.algorithm },
    });
  });
  const cookie = await startSession(ctx, passkey);
  return jsonNoStore(201, { device: passkeyView(passkey, passkey.id) }, { 'set-cookie': cookie });
});

/** `POST /session/options`: a discoverable-credential sign-in (no user name), user verification required. */
export const handleSessionOptions = wrap(async (ctx, req) => {
  body(req, EmptyBody);
  await limitPasskeyAttempt(ctx, { source: req.ip });
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(ctx.settings).rpId,
    userVerification: 'required',
    timeout: ctx.settings.ownerApp.challengeTtl * 1000,
  });
  const challengeId = ctx.random.uuid();
  await ctx.stores.passkeys.saveChallenge({
    id: challengeId,
    purpose: 'sign_in',
    challenge: options.challenge,
    expiresAt: ctx.clock.now() + ctx.settings.ownerApp.challengeTtl * 1000,
  });
  return jsonNoStore(200, { challenge_id: challengeId, public_key: options });
});

/** `POST /session/verify` `{challenge_id, credential}`: signs the passkey's phone in. */
export const handleSessionVerify = wrap(async (ctx, req) => {
  const input = body(req, SessionVerifyBody);
  const response = input.credential as unknown as AuthenticationResponseJSON;
  await limitPasskeyAttempt(ctx, { source: req.ip });
  const challenge = await ctx.stores.passkeys.takeChallenge(input.challenge_id);
  const now = ctx.clock.now();
  if (!challenge || challenge.purpose !== 'sign_in' || challenge.expiresAt <= now) {
    throw new InvalidRequest('the sign-in expired: try again');
  }
  const passkey = await ctx.stores.passkeys.findPasskeyByCredentialId(response.id);
  const owner = passkey && passkey.removedAt === undefined ? await ctx.stores.owners.find(passkey.sub) : undefined;
  if (!passkey || !owner || owner.disabled) throw new AccessDenied('this passkey is not enrolled');
  await limitPasskeyAttempt(ctx, { sub: owner.sub });
  if (
    response.response.userHandle &&
    response.response.userHandle !== Buffer.from(userHandle(owner.sub)).toString('base64url')
  ) {
    throw new AccessDenied('this passkey is not enrolled');
  }
  const verified = await verifyAssertion(response, challenge.challenge, passkey, relyingParty(ctx.settings));
  if (!verified.ok) {
    ctx.logger.warn('sign-in refused: assertion did not verify', { deviceId: passkey.id, reason: verified.reason });
    throw new AccessDenied('the passkey could not be verified');
  }
  await ctx.stores.passkeys.recordUse(passkey.id, verified.counter, now);
  const cookie = await startSession(ctx, passkey);
  const fresh = { ...passkey, counter: verified.counter, lastUsedAt: now };
  return jsonNoStore(
    200,
    { owner: ownerView(owner), device: passkeyView(fresh, passkey.id) },
    { 'set-cookie': cookie },
  );
});

/** `GET /session`: who is signed in on this phone. */
export const handleGetSession = wrap(async (ctx, req) => {
  const { owner, device, kind } = await signedIn(ctx, req);
  const view =
    kind === 'passkey'
      ? passkeyView((await ctx.stores.passkeys.findPasskey(device.id))!, device.id)
      : credentialDeviceView(device, device.id);
  return jsonNoStore(200, { owner: ownerView(owner), device: view });
});

/** `DELETE /session`: signs this phone out (the cookie is cleared). */
export const handleDeleteSession = wrap(async (ctx, req) => {
  const token = sessionCookie(req);
  if (token) await ctx.stores.passkeys.deleteSession(hashCredential(token));
  return { status: 204, headers: { 'cache-control': 'no-store', 'set-cookie': sessionCookieHeader(ctx, '', 0) } };
});

/** `GET /devices`: the owner's passkeys and credential devices (removed ones left out). */
export const handleListDevices = wrap(async (ctx, req) => {
  const { owner, device } = await signedIn(ctx, req);
  const passkeys = (await ctx.stores.passkeys.listPasskeys(owner.sub)).filter((p) => p.removedAt === undefined);
  const credentials = (await ctx.stores.owners.listDevices(owner.sub)).filter((d) => !d.disabled);
  return jsonNoStore(200, {
    devices: [
      ...passkeys.map((p) => passkeyView(p, device.id)),
      ...credentials.map((d) => credentialDeviceView(d, device.id)),
    ],
  });
});

/**
 * `DELETE /devices/{id}`: removes one of the owner's devices. A removed passkey can neither
 * sign in nor approve again, and its sessions end; removing this phone signs it out.
 */
export const handleRemoveDevice = wrap(async (ctx, req, id: string) => {
  const { owner, device } = await signedIn(ctx, req);
  const now = ctx.clock.now();
  const passkey = await ctx.stores.passkeys.findPasskey(id);
  const credential = passkey
    ? undefined
    : (await ctx.stores.owners.listDevices(owner.sub)).find((d) => d.id === id && !d.disabled);
  if ((!passkey || passkey.sub !== owner.sub || passkey.removedAt !== undefined) && !credential) {
    throw new NotFound('no such device');
  }
  await ctx.stores.transaction(async (stores) => {
    if (passkey) {
      if (!(await stores.passkeys.removePasskey(id, now))) throw new NotFound('no such device');
    } else {
      await stores.owners.saveDevice({ ...credential!, disabled: true });
    }
    // A removed device is told nothing more: its push subscriptions go with it.
    await stores.push.deleteDeviceSubscriptions(id);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'owner_device.removed',
      sub: owner.sub,
      data: { deviceId: id, removedBy: device.id },
    });
  });
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (id === device.id) headers['set-cookie'] = sessionCookieHeader(ctx, '', 0);
  return { status: 204, headers };
});

/** `POST /invitations`: a one-time invitation to add another phone, from a signed-in one. */
export const handleCreateInvitation = wrap(async (ctx, req) => {
  const { owner, device, kind } = await signedIn(ctx, req);
  body(req, EmptyBody);
  if (kind !== 'passkey') throw new AccessDenied('add devices from a phone signed in with its passkey');
  const { invitation, url } = await createInvitation(ctx, owner.sub, device.id);
  return jsonNoStore(201, { invitation_id: invitation.id, url, expires_at: iso(invitation.expiresAt) });
});

/**
 * `POST /requests/{id}/approval/options`: the WebAuthn request options of an approval, whose
 * challenge commits to the request (see commitment.ts), with the commitment itself so the app
 * can check it names what the screen shows.
 */
export const handleApprovalOptions = wrap(async (ctx, req, id: string) => {
  const { owner, device, kind } = await signedIn(ctx, req);
  body(req, EmptyBody);
  await limitPasskeyAttempt(ctx, { source: req.ip, sub: owner.sub });
  const request = await ctx.stores.authRequests.find(id);
  if (!request || request.sub !== owner.sub) throw new NotFound('no such authentication request');
  if (request.status !== 'pending') throw new Conflict(`the authentication request is already ${request.status}`);
  if (request.expiresAt <= ctx.clock.now()) throw new Conflict('the authentication request has expired');
  if (kind !== 'passkey') throw new AccessDenied('approve with a passkey');
  return jsonNoStore(200, await approvalOptions(ctx, request, device));
});

/** `GET /vehicles`: the owner's paired vehicles (nickname and model, never a VIN). */
export const handleListVehicles = wrap(async (ctx, req) => {
  const { owner } = await signedIn(ctx, req);
  return jsonNoStore(200, { vehicles: await listPairedVehicles(ctx, owner.sub) });
});

/**
 * `POST /vehicles/{clientId}/unpair`: revokes the vehicle's grants for this owner at once
 * (refresh tokens and access tokens); 204, or 404 when the client is not paired with them.
 */
export const handleUnpairVehicle = wrap(async (ctx, req, clientId: string) => {
  const { owner, device } = await signedIn(ctx, req);
  body(req, EmptyBody);
  if (!(await unpairVehicle(ctx, owner.sub, clientId, { deviceId: device.id }))) {
    throw new NotFound('no such paired vehicle');
  }
  return { status: 204, headers: { 'cache-control': 'no-store' } };
});

/** `GET /push/key`: the provider's VAPID public key (RFC 8292), the app's `applicationServerKey`. */
export const handlePushKey = wrap(async (ctx, req) => {
  await signedIn(ctx, req);
  const key = (await ctx.stores.push.listVapidKeys()).find((k) => k.kid === VAPID_KEY_ID);
  if (!key) throw new NotFound('Web Push is not set up on this provider');
  return jsonNoStore(200, { vapid_public_key: key.publicKey });
});

/** The uncompressed point is a P-256 public key (on the curve): RFC 8291 §3.1 needs one to encrypt to. */
function onP256(point: Buffer): boolean {
  try {
    createPublicKey({
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: point.subarray(1, 33).toString('base64url'),
        y: point.subarray(33).toString('base64url'),
      },
      format: 'jwk',
    });
    return true;
  } catch {
    return false;
  }
}

/** Length in bytes of a base64url value, or undefined when it is not base64url. */
function base64urlBytes(value: string): Buffer | undefined {
  return /^[A-Za-z0-9_-]+={0,2}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
}

/**
 * `POST /push/subscriptions` `{subscription}`: stores the browser's push subscription (the
 * W3C `PushSubscription.toJSON()`) for the signed-in device. The endpoint must be https (http
 * only to loopback where ALLOW_LOOPBACK_HTTP_NOTIFICATIONS allows it) and pass the outbound
 * guard; `keys.p256dh` a P-256 point, `keys.auth` 16 bytes (RFC 8291 §3). 201 `{id}`.
 */
export const handleAddPushSubscription = wrap(async (ctx, req) => {
  const { owner, device } = await signedIn(ctx, req);
  const { subscription } = body(req, PushSubscriptionBody);
  const problem =
    outboundTargetProblem(subscription.endpoint, ctx.settings) ?? urlProblem(subscription.endpoint, ctx.settings);
  if (problem) throw new InvalidRequest(`subscription.endpoint ${problem}`);
  const p256dh = base64urlBytes(subscription.keys.p256dh);
  if (!p256dh || p256dh.length !== 65 || p256dh[0] !== 4 || !onP256(p256dh)) {
    throw new InvalidRequest('subscription.keys.p256dh must be an uncompressed P-256 point, base64url');
  }
  const auth = base64urlBytes(subscription.keys.auth);
  if (!auth || auth.length !== 16) throw new InvalidRequest('subscription.keys.auth must be 16 bytes, base64url');
  const id = ctx.random.uuid();
  await ctx.stores.push.saveSubscription({
    id,
    sub: owner.sub,
    deviceId: device.id,
    endpoint: subscription.endpoint,
    p256dh: subscription.keys.p256dh,
    auth: subscription.keys.auth,
    createdAt: ctx.clock.now(),
  });
  return jsonNoStore(201, { id });
});

/** `DELETE /push/subscriptions` `{endpoint}`: this browser stops receiving pushes (204, also when it had none). */
export const handleRemovePushSubscription = wrap(async (ctx, req) => {
  const { owner } = await signedIn(ctx, req);
  const { endpoint } = body(req, PushUnsubscribeBody);
  await ctx.stores.push.deleteSubscriptionByEndpoint(owner.sub, endpoint);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
});
