import type { ProviderContext } from '../context';
import type { Client } from '../domain/client';
import type { Owner, OwnerDevice } from '../domain/owner';
import { hashUserCode } from '../backchannel/user-code';
import { completeAuthRequest } from '../completion/complete-auth-request';
import { Conflict, InvalidClientMetadata, InvalidRequest, NotFound } from '../errors/oauth-error';
import { unlockUserCode, userCodeOwnerLimiter } from '../limits/limits';
import { hashCredential } from '../owner-device/authenticate-owner-device';
import { checkBrandingMetadata, type BrandingMetadata } from '../registration/check-branding-metadata';

/** Input of {@link createOwner}; every field optional except that one identifier is needed for login_hint. */
export interface CreateOwnerInput {
  sub?: string;
  username?: string;
  email?: string;
  phoneNumber?: string;
  name?: string;
  /** CIBA §7.1.2 user code; stored only as its scrypt hash. */
  userCode?: string;
}

// OIDC Core §2: sub is at most 255 ASCII characters.
const SUB = /^[\x21-\x7e]{1,255}$/;
const USERNAME = /^[A-Za-z0-9._-]{1,64}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;
// E.164
const PHONE = /^\+[1-9][0-9]{6,14}$/;
// No control characters.
const PRINTABLE = /^[^\p{Cc}]+$/u;
export const MIN_USER_CODE_LENGTH = 4;
export const MAX_USER_CODE_ADMIN_LENGTH = 64;

/** The owner fields' formats, named as an error states them (wire names). */
const FORMATS = {
  sub: { ok: (v: string) => SUB.test(v), expected: '1 to 255 printable ASCII characters without spaces' },
  username: { ok: (v: string) => USERNAME.test(v), expected: '1 to 64 characters of A-Z a-z 0-9 . _ -' },
  email: {
    ok: (v: string) => v.length <= 254 && EMAIL.test(v),
    expected: 'an e-mail address such as alice@example.com, at most 254 characters',
  },
  phone_number: {
    ok: (v: string) => PHONE.test(v),
    expected: "an E.164 phone number: '+' and 7 to 15 digits, the first not 0, such as +4915112345678",
  },
  name: {
    ok: (v: string) => v.length <= 200 && PRINTABLE.test(v),
    expected: '1 to 200 characters without control characters',
  },
  deviceName: {
    ok: (v: string) => v.length <= 100 && PRINTABLE.test(v),
    expected: '1 to 100 characters without control characters',
  },
} as const;

function check(value: unknown, name: string, format: keyof typeof FORMATS): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidRequest(`${name} must be a string`);
  if (!FORMATS[format].ok(value)) throw new InvalidRequest(`${name} must be ${FORMATS[format].expected}`);
  return value;
}

function checkUserCode(code: unknown): string {
  if (
    typeof code !== 'string' ||
    code.length < MIN_USER_CODE_LENGTH ||
    code.length > MAX_USER_CODE_ADMIN_LENGTH ||
    !PRINTABLE.test(code)
  ) {
    throw new InvalidRequest(
      `user_code must be ${MIN_USER_CODE_LENGTH} to ${MAX_USER_CODE_ADMIN_LENGTH} printable characters`,
    );
  }
  return code;
}

async function audit(
  ctx: ProviderContext,
  type: string,
  fields: { sub?: string; clientId?: string; data?: Record<string, unknown> },
) {
  await ctx.stores.audit.append({ id: ctx.random.uuid(), at: ctx.clock.now(), type, ...fields });
}

async function requireOwner(ctx: ProviderContext, sub: string): Promise<Owner> {
  const owner = await ctx.stores.owners.find(sub);
  if (!owner) throw new NotFound('no such owner');
  return owner;
}

/**
 * Create an owner (end user). Identifiers are validated (sub ≤ 255 ASCII, username,
 * email, E.164 phone number) and must not match another owner's login_hint, so a hint
 * always resolves to one owner. A user code is hashed with scrypt.
 *
 * @throws InvalidRequest on a malformed field; Conflict when an identifier is taken.
 * @example
 * const owner = await createOwner(ctx, { email: 'alice@example.com', userCode: '4711' });
 */
export async function createOwner(ctx: ProviderContext, input: CreateOwnerInput): Promise<Owner> {
  const sub = check(input.sub, 'sub', 'sub') ?? ctx.random.uuid();
  const username = check(input.username, 'username', 'username');
  const email = check(input.email, 'email', 'email');
  const phoneNumber = check(input.phoneNumber, 'phone_number', 'phone_number');
  const name = check(input.name, 'name', 'name');
  const userCode = input.userCode === undefined ? undefined : checkUserCode(input.userCode);

  if (await ctx.stores.owners.find(sub)) throw new Conflict('an owner with this sub exists');
  for (const hint of [sub, username, email, phoneNumber]) {
    if (hint && (await ctx.stores.owners.findByHint(hint)))
      throw new Conflict('an identifier of this owner is already in use');
  }
  const owner: Owner = {
    sub,
    username,
    email,
    phoneNumber,
    name,
    userCodeHash: userCode === undefined ? undefined : await hashUserCode(userCode),
    disabled: false,
    createdAt: ctx.clock.now(),
  };
  await ctx.stores.owners.save(owner);
  await audit(ctx, 'owner.created', { sub });
  return owner;
}

/** Set or replace an owner's CIBA user code (CIBA §7.1.2: users need a way to set and change it). */
export async function setOwnerUserCode(ctx: ProviderContext, sub: string, userCode: string): Promise<Owner> {
  const code = checkUserCode(userCode);
  const owner = await requireOwner(ctx, sub);
  const updated = { ...owner, userCodeHash: await hashUserCode(code) };
  await ctx.stores.owners.save(updated);
  // Wrong guesses at the old code say nothing about the new one: a lock ends with it.
  await userCodeOwnerLimiter(ctx).reset(sub);
  await audit(ctx, 'owner.user_code_changed', { sub });
  return updated;
}

/**
 * Unlock an owner's user code locked after too many wrong attempts (README, "Limits"):
 * the count of wrong codes is forgotten and the lock ends now. Audited as
 * `owner.user_code_unlocked`.
 *
 * @throws NotFound when there is no such owner.
 * @example
 * await unlockOwnerUserCode(ctx, 'alice');
 */
export async function unlockOwnerUserCode(ctx: ProviderContext, sub: string): Promise<Owner> {
  const owner = await requireOwner(ctx, sub);
  await unlockUserCode(ctx, sub);
  return owner;
}

/**
 * Disable an owner, ending everything of theirs at once:
 * - in one store transaction, the owner is marked disabled with a watermark (`disabledAt`)
 *   and every refresh token of theirs is revoked;
 * - from then on every token of a grant they approved up to the watermark is dead: access
 *   tokens introspect inactive and fail at userinfo, refresh grants and approved requests not
 *   yet redeemed are refused ({@link isGrantOfActiveOwner}), even after {@link enableOwner};
 * - their pending requests end as denied through {@link completeAuthRequest}, so ping and
 *   push clients are told (CIBA §10.2, §12) and poll clients get `access_denied`;
 * - no new request resolves to them and their devices stop authenticating.
 * Disabling a disabled owner moves the watermark to now.
 *
 * @throws NotFound when there is no such owner.
 * @example
 * const owner = await disableOwner(ctx, 'alice'); // owner.disabled === true
 */
export async function disableOwner(ctx: ProviderContext, sub: string): Promise<Owner> {
  const owner = await requireOwner(ctx, sub);
  const now = ctx.clock.now();
  const updated: Owner = { ...owner, disabled: true, disabledAt: now };
  await ctx.stores.transaction(async (stores) => {
    await stores.owners.save(updated);
    const refreshTokensRevoked = await stores.refreshTokens.revokeSubject(sub);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'owner.disabled',
      sub,
      data: { refreshTokensRevoked },
    });
  });
  await denyPendingRequests(ctx, sub);
  return updated;
}

/** The disabled owner's pending requests, denied on their behalf. */
async function denyPendingRequests(ctx: ProviderContext, sub: string): Promise<void> {
  for (const request of await ctx.stores.authRequests.listPendingForOwner(sub, ctx.clock.now())) {
    try {
      await completeAuthRequest(ctx, { id: request.id, sub, decision: 'deny', reason: 'owner_disabled' });
    } catch (error) {
      // Answered or expired meanwhile: it is no longer pending, which is all that is needed.
      if (!(error instanceof Conflict)) throw error;
    }
  }
}

/**
 * Enable a disabled owner again: new requests resolve to them and their devices authenticate.
 * Nothing issued before the disable comes back: the watermark stays (see {@link disableOwner}).
 * Enabling within the second of the disable waits for that second to pass.
 *
 * @throws NotFound when there is no such owner.
 * @example
 * await enableOwner(ctx, 'alice');
 */
export async function enableOwner(ctx: ProviderContext, sub: string): Promise<Owner> {
  const owner = await requireOwner(ctx, sub);
  if (owner.disabled && owner.disabledAt !== undefined) {
    // auth_time has whole seconds (OIDC Core §2), so an approval within the second of the disable
    // would count as one before it: the owner is enabled once that second has passed.
    const wait = Math.floor(owner.disabledAt / 1000) * 1000 + 1000 - ctx.clock.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const updated: Owner = { ...owner, disabled: false };
  await ctx.stores.owners.save(updated);
  await audit(ctx, 'owner.enabled', { sub });
  return updated;
}

export function listOwners(ctx: ProviderContext): Promise<Owner[]> {
  return ctx.stores.owners.list();
}

/**
 * Register an authentication device for an owner. The credential (256 random bits) is
 * returned once and stored only as its hash ({@link hashCredential}).
 *
 * @example
 * const { device, credential } = await createOwnerDevice(ctx, { sub: 'alice', name: 'Pixel 9' });
 */
export async function createOwnerDevice(
  ctx: ProviderContext,
  input: { sub: string; name?: string },
): Promise<{ device: OwnerDevice; credential: string }> {
  const name = check(input.name, 'name', 'deviceName');
  const owner = await requireOwner(ctx, input.sub);
  if (owner.disabled) throw new Conflict('the owner is disabled');
  const credential = ctx.random.token(32);
  const device: OwnerDevice = {
    id: ctx.random.uuid(),
    sub: owner.sub,
    name,
    credentialHash: hashCredential(credential),
    createdAt: ctx.clock.now(),
    disabled: false,
  };
  await ctx.stores.owners.saveDevice(device);
  await audit(ctx, 'owner_device.created', { sub: owner.sub, data: { deviceId: device.id } });
  return { device, credential };
}

export function listOwnerDevices(ctx: ProviderContext, sub: string): Promise<OwnerDevice[]> {
  return ctx.stores.owners.listDevices(sub);
}

/** Disable one owner device: its credential stops working at once. */
export async function disableOwnerDevice(ctx: ProviderContext, sub: string, deviceId: string): Promise<OwnerDevice> {
  const device = (await ctx.stores.owners.listDevices(sub)).find((d) => d.id === deviceId);
  if (!device) throw new NotFound('no such owner device');
  const updated = { ...device, disabled: true };
  await ctx.stores.owners.saveDevice(updated);
  // A disabled device is told nothing more: its Web Push subscriptions go.
  await ctx.stores.push.deleteDeviceSubscriptions(deviceId);
  await audit(ctx, 'owner_device.disabled', { sub, data: { deviceId } });
  return updated;
}

/**
 * Disable a client: its authentication fails from now on, its access tokens are
 * inactive (userinfo, introspection) and its refresh tokens are revoked, in one
 * store transaction.
 *
 * @throws NotFound when there is no such client.
 * @example
 * const client = await disableClient(ctx, 'head-unit-0042');
 */
export async function disableClient(ctx: ProviderContext, clientId: string): Promise<Client> {
  const client = await ctx.stores.clients.find(clientId);
  if (!client) throw new NotFound('no such client');
  const updated = { ...client, disabled: true };
  await ctx.stores.transaction(async (stores) => {
    await stores.clients.save(updated);
    const refreshTokensRevoked = await stores.refreshTokens.revokeClient(clientId);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: ctx.clock.now(),
      type: 'client.disabled',
      clientId,
      data: { refreshTokensRevoked },
    });
  });
  return updated;
}

/** The client metadata {@link updateClientBranding} changes: what the owner app shows of a client. */
export const BRANDING_FIELDS = [
  'client_name',
  'logo_uri',
  'onboard_branding',
  'onboard_vehicle',
  'onboard_approval_receipts',
] as const;

const MAX_CLIENT_NAME = 256;

/**
 * Change what the owner app shows of a client (docs/owner-app.md "Branding"): each field of
 * `changes` replaces the registered value, `null` removes it, absent fields stay. Values are
 * checked as at registration (`invalid_client_metadata` naming the field); the change is
 * audited as `client.branding_updated` with the names of the fields changed.
 *
 * @example
 * await updateClientBranding(ctx, 'agent-desk', { onboard_branding: { primary_color: '#0b5fff' }, logo_uri: null });
 */
export async function updateClientBranding(
  ctx: ProviderContext,
  clientId: string,
  changes: Partial<Record<(typeof BRANDING_FIELDS)[number], unknown>>,
): Promise<Client> {
  const client = await ctx.stores.clients.find(clientId);
  if (!client) throw new NotFound('no such client');
  const set = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== null && value !== undefined));
  const removed = Object.keys(changes).filter((key) => changes[key as keyof typeof changes] === null);
  const name = set.client_name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_CLIENT_NAME)) {
    throw new InvalidClientMetadata(`client_name must be a string of 1 to ${MAX_CLIENT_NAME} characters`);
  }
  const branding: BrandingMetadata = checkBrandingMetadata(set);
  const metadata: Record<string, unknown> = { ...client.metadata, ...branding };
  for (const key of removed) delete metadata[key];
  if (name !== undefined) metadata.client_name = name;
  const updated: Client = { ...client, metadata };
  if (name !== undefined) updated.clientName = name as string;
  if (removed.includes('client_name')) delete updated.clientName;
  await ctx.stores.transaction(async (stores) => {
    await stores.clients.save(updated);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: ctx.clock.now(),
      type: 'client.branding_updated',
      clientId,
      data: { fields: Object.keys(changes).sort() },
    });
  });
  return updated;
}

/** One client, or NotFound. */
export async function getClient(ctx: ProviderContext, clientId: string): Promise<Client> {
  const client = await ctx.stores.clients.find(clientId);
  if (!client) throw new NotFound('no such client');
  return client;
}

export function listClients(ctx: ProviderContext): Promise<Client[]> {
  return ctx.stores.clients.list();
}
