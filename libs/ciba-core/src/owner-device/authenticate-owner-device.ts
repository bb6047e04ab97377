import { hash } from 'node:crypto';
import type { ProviderContext } from '../context';
import type { Owner, OwnerDevice } from '../domain/owner';
import { InvalidToken } from '../errors/oauth-error';
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
): Promise<{ device: OwnerDevice; owner: Owner }> {
  const credential = bearerToken(req);
  if (!credential) throw unauthorized();
  await refuseBlockedSource(ctx, 'owner_device', req.ip);
  const device = await ctx.stores.owners.findDeviceByCredentialHash(hashCredential(credential));
  const owner = device && !device.disabled ? await ctx.stores.owners.find(device.sub) : undefined;
  if (!device || !owner || owner.disabled) {
    await countAuthFailure(ctx, 'owner_device', req.ip, device ? { deviceId: device.id } : {});
    throw unauthorized('the device credential is not valid');
  }
  return { device, owner };
}
