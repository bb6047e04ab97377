import type { FleetOwner } from '../fleet';
import { callJson } from '../http';
import type { Target } from '../target';
import { LONG_POLL_SECONDS, ListingOwnerActor, OWNER_DEVICE_API, type ListedRequest } from './listing-owner';
import type { OwnerActorFactory, OwnerAnswer, OwnerEnrolment, OwnerPhone, SeenRequest } from './owner-actor';

/**
 * The owner's phone on a device credential (`POST /admin/v1/owners/{sub}/devices` at
 * provisioning, then `Authorization: Bearer` on the owner-device API): it learns of requests by
 * long-polling `GET /owner-device/v1/requests?wait=…` while a car of the fleet is waiting on its
 * owner, and answers with `…/approve`, `…/deny`, or `…/deny` with `{"reason": "not_me"}` for
 * "wasn't me". Its approvals carry no passkey assurance (the ID token's `acr` is not
 * `urn:onboard:acr:passkey`).
 */
export class BearerOwnerActor extends ListingOwnerActor {
  constructor(
    private readonly providerUrl: string,
    private readonly credential: string,
  ) {
    super();
  }

  protected listPending(signal: AbortSignal): Promise<{ requests: ListedRequest[] }> {
    return callJson(`${this.providerUrl}${OWNER_DEVICE_API}/requests?limit=100&wait=${LONG_POLL_SECONDS}`, {
      token: this.credential,
      signal,
    });
  }

  async answer(request: SeenRequest, answer: OwnerAnswer): Promise<void> {
    const verb = answer === 'approve' ? 'approve' : 'deny';
    await callJson(`${this.providerUrl}${OWNER_DEVICE_API}/requests/${encodeURIComponent(request.id)}/${verb}`, {
      method: 'POST',
      token: this.credential,
      // "This wasn't me": a denial the provider flags in its audit log and tells the client about
      ...(answer === 'not_me' ? { body: { reason: 'not_me' } } : {}),
    });
  }
}

/** Provisioning on the bearer path: a device credential per owner from the provider's admin API. */
export const bearerEnrolment: OwnerEnrolment = {
  async enrol(target: Target, sub: string): Promise<OwnerPhone> {
    const device = await callJson<{ credential: string }>(
      `${target.providerAdminUrl}/admin/v1/owners/${encodeURIComponent(sub)}/devices`,
      { method: 'POST', token: target.providerAdminToken, body: { name: 'device-sim phone' } },
    );
    return { credential: device.credential };
  },
};

export const bearerOwners: OwnerActorFactory = {
  actor: (target: Target, owner: FleetOwner) => {
    if (!owner.credential)
      throw new Error(
        `owner ${owner.email} has no device credential in the fleet file (provisioned on the passkey path): run with --owner-path passkey`,
      );
    return new BearerOwnerActor(target.providerUrl, owner.credential);
  },
};
