import { hash } from 'node:crypto';
import type { ProviderContext } from '../context';
import type { Owner, OwnerDevice } from '../domain/owner';
import { InvalidRequest, InvalidToken, LoginRequired } from '../errors/oauth-error';
import { countAuthFailure, refuseBlockedSource } from '../limits/limits';
import type { WireRequest } from '../wire/wire';

/**
 * Hash of an owner-device bearer credential as stored (sha-256, base64url). The
 * credential is 256 random bits, so a fast hash is enough and lookup stays an index hit.
 *
 * @example
 * const credentialHash = hashCredential(credential);
 */
export function hashCredential(secret: string): string {
  return hash('sha256', secret, 'base64url');
}

/** The bearer token of an `Authorization: Bearer …` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(req: WireRequest): string | undefined {
  const header = req.headers['authorization'];
  if (!header) return undefined;
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  return match?.[1];
}

/** RFC 6750 §3.1: 401 with a WWW-Authenticate challenge. */
function unauthorized(description?: string): InvalidToken {
  const error = new InvalidToken(description ?? 'missing bearer credential');
  error.headers['www-authenticate'] = description
    ? `Bearer realm="owner-device", error="invalid_token", error_description="${description}"`
    : 'Bearer realm="owner-device"';
  return error;
}

/**
 * Policy hook "authenticate an owner device": runs first on every owner-device API
 * call. Resolves the device and its owner from `Authorization: Bearer <credential>`.
 *
 * @throws InvalidToken (401, with WWW-Authenticate) when the credential is missing,
 * unknown, or its device or owner is disabled; RateLimited (429) while the source address
 * is blocked after too many wrong credentials (README, "Limits"). Each wrong credential
 * is counted per address and logged (with the device id when the device exists), never
 * the credential.
 */
export async function authenticateOwnerDevice(
  ctx: ProviderContext,
  req: WireRequest,
): Promise<AuthenticatedOwnerDevice> {
  const credential = bearerToken(req);
  if (!credential) {
    const session = sessionCookie(req);
    if (session) return authenticateOwnerSession(ctx, req, session);
    throw unauthorized();
  }
  await refuseBlockedSource(ctx, 'owner_device', req.ip);
  const device = await ctx.stores.owners.findDeviceByCredentialHash(hashCredential(credential));
  const owner = device && !device.disabled ? await ctx.stores.owners.find(device.sub) : undefined;
  if (!device || !owner || owner.disabled) {
    await countAuthFailure(ctx, 'owner_device', req.ip, device ? { deviceId: device.id } : {});
    throw unauthorized('the device credential is not valid');
  }
  return { device, owner, kind: 'credential' };
}

/** Name of the owner app's session cookie (HttpOnly, SameSite=Strict). */
export const OWNER_SESSION_COOKIE = 'onboard_session';

/** An authenticated owner device: a bearer credential device, or a passkey signed in to the owner app. */
export interface AuthenticatedOwnerDevice {
  device: OwnerDevice;
  owner: Owner;
  kind: 'credential' | 'passkey';
  /** Hash of the session token (passkey sessions). */
  sessionHash?: string;
}

/** The `onboard_session` cookie's value, if sent. */
export function sessionCookie(req: WireRequest): string | undefined {
  const header = req.headers['cookie'];
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === OWNER_SESSION_COOKIE) return value.join('=') || undefined;
  }
  return undefined;
}

/** `login_required` (401): the owner app shows its sign-in screen. */
export function signInRequired(description = 'sign in with your passkey'): LoginRequired {
  return new LoginRequired(description);
}

/**
 * The owner app's session: a passkey signed in (the cookie's hash names an unexpired session
 * whose passkey is not removed and whose owner is enabled). State-changing calls must send
 * `content-type: application/json`, which a cross-site form cannot (with SameSite=Strict,
 * the cookie's CSRF defence).
 */
async function authenticateOwnerSession(
  ctx: ProviderContext,
  req: WireRequest,
  token: string,
): Promise<AuthenticatedOwnerDevice> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new InvalidRequest('content-type must be application/json');
  }
  const sessionHash = hashCredential(token);
  const session = await ctx.stores.passkeys.findSession(sessionHash);
  if (!session || session.expiresAt <= ctx.clock.now()) throw signInRequired();
  const passkey = await ctx.stores.passkeys.findPasskey(session.deviceId);
  const owner = passkey && passkey.removedAt === undefined ? await ctx.stores.owners.find(passkey.sub) : undefined;
  if (!passkey || !owner || owner.disabled) throw signInRequired();
  const device: OwnerDevice = {
    id: passkey.id,
    sub: passkey.sub,
    name: passkey.name,
    credentialHash: '',
    createdAt: passkey.createdAt,
    disabled: false,
  };
  return { device, owner, kind: 'passkey', sessionHash };
}
