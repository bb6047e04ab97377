import { clientPresentation, type ProviderContext, type RefreshTokenRecord } from '@onboard/ciba-core';

/** A paired vehicle as the owner app lists it (never a VIN). */
export interface VehicleView {
  client_id: string;
  nickname: string;
  model?: string;
  paired_at: string;
  last_active_at?: string;
}

/** A head-unit holding live grants for an owner: the client and its grant families. */
interface Pairing {
  view: VehicleView;
  families: RefreshTokenRecord[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The owner's paired vehicles: clients registered with `onboard_vehicle` metadata that hold
 * at least one live refresh token (an unrevoked, unexpired grant) for the owner. Paired at
 * the earliest approval of those grants; last active when a token was last issued (a
 * refresh rotates the token, so its `createdAt` is the last refresh). Oldest pairing first.
 */
async function pairings(ctx: ProviderContext, sub: string): Promise<Map<string, Pairing>> {
  const live = await ctx.stores.refreshTokens.listActiveForSubject(sub, ctx.clock.now());
  const byClient = new Map<string, RefreshTokenRecord[]>();
  for (const record of live) byClient.set(record.clientId, [...(byClient.get(record.clientId) ?? []), record]);
  const out = new Map<string, Pairing>();
  for (const [clientId, families] of byClient) {
    const client = await ctx.stores.clients.find(clientId);
    if (!client || client.disabled) continue;
    const { vehicle } = clientPresentation(client);
    if (!vehicle) continue;
    const pairedAt = Math.min(...families.map((f) => f.authTime));
    const lastActive = Math.max(...families.map((f) => f.createdAt));
    out.set(clientId, {
      families,
      view: {
        client_id: clientId,
        nickname: vehicle.nickname ?? client.clientName ?? 'Vehicle',
        ...(vehicle.model !== undefined ? { model: vehicle.model } : {}),
        paired_at: iso(pairedAt),
        last_active_at: iso(lastActive),
      },
    });
  }
  return out;
}

/** The owner's paired vehicles, oldest pairing first. */
export async function listPairedVehicles(ctx: ProviderContext, sub: string): Promise<VehicleView[]> {
  return [...(await pairings(ctx, sub)).values()]
    .map((p) => p.view)
    .sort((a, b) => a.paired_at.localeCompare(b.paired_at) || a.client_id.localeCompare(b.client_id));
}

/**
 * Unpairs a vehicle from the owner: every grant family the client holds for the owner is
 * revoked at once (its refresh tokens fail with `invalid_grant`, its access tokens stop
 * introspecting as active), and `vehicle.unpaired` is audited in the same transaction.
 * Returns false, changing nothing, when the client is not a vehicle paired with the owner.
 */
export async function unpairVehicle(
  ctx: ProviderContext,
  sub: string,
  clientId: string,
  by: { deviceId: string },
): Promise<boolean> {
  const pairing = (await pairings(ctx, sub)).get(clientId);
  if (!pairing) return false;
  const now = ctx.clock.now();
  // Access tokens of a family live at most accessTokenTtl from now.
  const until = now + ctx.settings.accessTokenTtl * 1000;
  const familyIds = [...new Set(pairing.families.map((f) => f.familyId))];
  await ctx.stores.transaction(async (stores) => {
    for (const familyId of familyIds) {
      await stores.refreshTokens.revokeFamily(familyId);
      await stores.revocations.revokeFamily(familyId, until);
    }
    await stores.audit.append({
      id: ctx.random.uuid(),
      at: now,
      type: 'vehicle.unpaired',
      sub,
      clientId,
      data: { grants: familyIds.length, deviceId: by.deviceId },
    });
  });
  ctx.logger.info('vehicle unpaired', { clientId, grants: familyIds.length });
  return true;
}
