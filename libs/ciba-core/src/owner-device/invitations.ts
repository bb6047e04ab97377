import type { ProviderContext } from '../context';
import type { OwnerInvitation } from '../domain/passkey';
import { NotFound } from '../errors/oauth-error';
import { relyingParty } from '../settings';
import { hashCredential } from './authenticate-owner-device';

/** Path of the owner app on the provider; invitation links open `#/enrol/{token}` there. */
export const OWNER_APP_PATH = '/app/';

/** A new invitation: the stored record, and the link (with its one-time token) to hand to the owner. */
export interface IssuedInvitation {
  invitation: OwnerInvitation;
  /** The link the owner opens on the phone; the token is in the fragment, never sent to a server. */
  url: string;
}

/**
 * Creates a one-time enrolment invitation for owner `sub` (admin API, CLI, or "Add a
 * device" from a signed-in phone), audited as `owner.invited`.
 *
 * @throws NotFound when the owner does not exist or is disabled.
 * @example
 * const { url } = await createInvitation(ctx, sub); // https://op.example/app/#/enrol/…
 */
export async function createInvitation(
  ctx: ProviderContext,
  sub: string,
  createdBy?: string,
): Promise<IssuedInvitation> {
  const owner = await ctx.stores.owners.find(sub);
  if (!owner || owner.disabled) throw new NotFound('no such owner');
  const token = ctx.random.token(32);
  const now = ctx.clock.now();
  const invitation: OwnerInvitation = {
    id: ctx.random.uuid(),
    tokenHash: hashCredential(token),
    sub,
    createdAt: now,
    expiresAt: now + ctx.settings.ownerApp.invitationTtl * 1000,
    ...(createdBy !== undefined ? { createdBy } : {}),
  };
  await ctx.stores.transaction(async (stores) => {
    await stores.passkeys.saveInvitation(invitation);
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'owner.invited',
      sub,
      data: { invitationId: invitation.id, ...(createdBy !== undefined ? { deviceId: createdBy } : {}) },
    });
  });
  return { invitation, url: invitationUrl(ctx, token) };
}

/** The link of an invitation token: the owner app on the first allowed origin. */
export function invitationUrl(ctx: ProviderContext, token: string): string {
  const [origin] = relyingParty(ctx.settings).origins;
  return `${origin}${OWNER_APP_PATH}#/enrol/${token}`;
}
