import { CredentialStore, SoftAuthenticator } from '@onboard/soft-authenticator';
import type { FleetOwner, FleetPasskey } from '../fleet';
import { CookieJar, HttpCallError, callJson, type CallOptions } from '../http';
import type { Target } from '../target';
import { LONG_POLL_SECONDS, ListingOwnerActor, OWNER_DEVICE_API, type ListedRequest } from './listing-owner';
import type { OwnerActorFactory, OwnerAnswer, OwnerEnrolment, OwnerPhone, SeenRequest } from './owner-actor';

type RequestOptionsJSON = Parameters<SoftAuthenticator['authenticate']>[0];
type CreationOptionsJSON = Parameters<SoftAuthenticator['register']>[0];

/** The owner app's session cookie (HttpOnly, SameSite=Strict) the provider sets after a passkey sign-in. */
const SESSION_COOKIE = 'onboard_session';

/**
 * The owner's phone on a passkey, as the owner app uses it: a software authenticator
 * (`@onboard/soft-authenticator`) whose credential the owner enrolled from an invitation. It signs
 * in with the passkey (`/session/options` + `/session/verify`, the `onboard_session` cookie), learns
 * of requests by long-polling the owner-device API with that session, approves each request with a
 * fresh assertion over the provider's approval challenge (`…/approval/options`, then `…/approve`
 * with `{credential}`), and denies or reports "wasn't me" (`…/deny`) through the session. Its
 * approvals go through the provider's own verification, so the ID tokens carry `acr`
 * `urn:onboard:acr:passkey`. A session that ended (401) is signed in again once per call.
 */
export class PasskeyOwnerActor extends ListingOwnerActor {
  private readonly cookies = new CookieJar();
  private readonly phone: SoftAuthenticator;
  private signingIn?: Promise<void>;

  constructor(
    private readonly providerUrl: string,
    private readonly passkey: FleetPasskey,
  ) {
    super();
    // synced passkeys report a zero counter: assertions made at once for several cars of one owner
    // may reach the provider in any order
    this.phone = new SoftAuthenticator({ store: CredentialStore.fromJSON(passkey.credentials), signCountMode: 'zero' });
  }

  protected listPending(signal: AbortSignal): Promise<{ requests: ListedRequest[] }> {
    return this.call(`/requests?limit=100&wait=${LONG_POLL_SECONDS}`, { signal });
  }

  async answer(request: SeenRequest, answer: OwnerAnswer): Promise<void> {
    const path = `/requests/${encodeURIComponent(request.id)}`;
    if (answer === 'approve') {
      const options = await this.call<{ public_key: any }>(`${path}/approval/options`, { method: 'POST', body: {} });
      const credential = await this.phone.authenticate(options.public_key, { origin: this.passkey.origin });
      await this.call(`${path}/approve`, { method: 'POST', body: { credential } });
    } else {
      // "This wasn't me": a denial the provider flags in its audit log and tells the client about
      await this.call(`${path}/deny`, { method: 'POST', body: answer === 'not_me' ? { reason: 'not_me' } : {} });
    }
  }

  /** A call of the owner-device API in the session; signs in first, and again once if the session ended. */
  private async call<T>(path: string, options: CallOptions = {}): Promise<T> {
    const url = `${this.providerUrl}${OWNER_DEVICE_API}${path}`;
    if (!this.cookies.get(SESSION_COOKIE)) await this.signIn();
    try {
      return await callJson<T>(url, { ...options, cookies: this.cookies });
    } catch (err) {
      if (!(err instanceof HttpCallError) || err.status !== 401) throw err;
      await this.signIn(true);
      return callJson<T>(url, { ...options, cookies: this.cookies });
    }
  }

  /** Signs in with the passkey (one sign-in at a time for all of this owner's calls). */
  private signIn(again = false): Promise<void> {
    if (this.signingIn) return this.signingIn;
    if (!again && this.cookies.get(SESSION_COOKIE)) return Promise.resolve();
    this.signingIn = (async () => {
      const api = `${this.providerUrl}${OWNER_DEVICE_API}`;
      const options = await callJson<{ challenge_id: string; public_key: RequestOptionsJSON }>(
        `${api}/session/options`,
        {
          method: 'POST',
          body: {},
          cookies: this.cookies,
        },
      );
      const credential = await this.phone.authenticate(options.public_key, { origin: this.passkey.origin });
      await callJson(`${api}/session/verify`, {
        method: 'POST',
        body: { challenge_id: options.challenge_id, credential },
        cookies: this.cookies,
      });
      if (!this.cookies.get(SESSION_COOKIE))
        throw new Error('the provider signed the passkey in without a session cookie');
    })().finally(() => (this.signingIn = undefined));
    return this.signingIn;
  }
}

/**
 * Provisioning on the passkey path, as a new owner does it: an invitation from the provider's admin
 * API (`POST /admin/v1/owners/{sub}/invitations`), whose link's token starts the enrolment of a
 * passkey on the owner's phone (`/enrolment/options` + `/enrolment/verify` with the registration).
 * The passkey's origin is the link's; the fleet keeps the authenticator's credential for later runs.
 */
export const passkeyEnrolment: OwnerEnrolment = {
  async enrol(target: Target, sub: string): Promise<OwnerPhone> {
    const invitation = await callJson<{ url: string }>(
      `${target.providerAdminUrl}/admin/v1/owners/${encodeURIComponent(sub)}/invitations`,
      { method: 'POST', token: target.providerAdminToken, body: {} },
    );
    const link = new URL(invitation.url);
    const token = /^#\/enrol\/(.+)$/.exec(link.hash)?.[1];
    if (!token) throw new Error('the invitation link holds no enrolment token (#/enrol/…)');
    const origin = link.origin;
    const phone = new SoftAuthenticator({ signCountMode: 'zero' });
    const cookies = new CookieJar();
    const api = `${target.providerUrl}${OWNER_DEVICE_API}`;
    const options = await callJson<{ enrolment_id: string; public_key: CreationOptionsJSON }>(
      `${api}/enrolment/options`,
      {
        method: 'POST',
        body: { invitation: token },
        cookies,
      },
    );
    const credential = await phone.register(options.public_key, { origin });
    await callJson(`${api}/enrolment/verify`, {
      method: 'POST',
      body: { enrolment_id: options.enrolment_id, device_name: 'device-sim phone', credential },
      cookies,
    });
    return { passkey: { origin, credentials: phone.store.toJSON() } };
  },
};

export const passkeyOwners: OwnerActorFactory = {
  actor: (target: Target, owner: FleetOwner) => {
    if (!owner.passkey)
      throw new Error(
        `owner ${owner.email} has no passkey in the fleet file (provisioned on the bearer path): run with --owner-path bearer, or provision again`,
      );
    return new PasskeyOwnerActor(target.providerUrl, owner.passkey);
  },
};
