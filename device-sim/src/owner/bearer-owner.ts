import { sleep } from '../concurrency';
import type { FleetOwner } from '../fleet';
import { HttpCallError, callJson } from '../http';
import type { Target } from '../target';
import type { OwnerActor, OwnerActorFactory, OwnerAnswer, OwnerEnrolment, SeenRequest } from './owner-actor';

const API = '/owner-device/v1';
/** Seconds a list call is held open while the owner has nothing pending (the API's `wait`). */
const LONG_POLL_SECONDS = 20;
/** Pause before listing again when the page held only requests already seen (no hot loop). */
const RELIST_PAUSE_MS = 100;

interface ListedRequest {
  id: string;
  binding_message?: string;
}

/**
 * The owner's phone on a device credential (`POST /admin/v1/owners/{sub}/devices` at
 * provisioning, then `Authorization: Bearer` on the owner-device API): it learns of requests by
 * long-polling `GET /owner-device/v1/requests?wait=…` while a car of the fleet is waiting on its
 * owner, and answers with `…/approve`, `…/deny`, or `…/deny` with `{"reason": "not_me"}` for
 * "wasn't me".
 */
export class BearerOwnerActor implements OwnerActor {
  private readonly waiters = new Map<string, { resolve: (seen: SeenRequest) => void }>();
  private polling = false;
  private closed = false;
  private readonly stop = new AbortController();

  constructor(
    private readonly providerUrl: string,
    private readonly credential: string,
  ) {}

  waitForRequest(bindingMessage: string, signal: AbortSignal): Promise<SeenRequest> {
    return new Promise<SeenRequest>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(bindingMessage);
        reject(signal.reason ?? new Error('aborted'));
      };
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.set(bindingMessage, {
        resolve: (seen) => {
          signal.removeEventListener('abort', onAbort);
          resolve(seen);
        },
      });
      if (!this.polling) void this.poll();
    });
  }

  async answer(request: SeenRequest, answer: OwnerAnswer): Promise<void> {
    const verb = answer === 'approve' ? 'approve' : 'deny';
    await callJson(`${this.providerUrl}${API}/requests/${encodeURIComponent(request.id)}/${verb}`, {
      method: 'POST',
      token: this.credential,
      // "This wasn't me": a denial the provider flags in its audit log and tells the client about
      ...(answer === 'not_me' ? { body: { reason: 'not_me' } } : {}),
    });
  }

  close(): void {
    this.closed = true;
    this.stop.abort();
  }

  /** Lists the owner's pending requests while someone waits; one loop per owner. */
  private async poll(): Promise<void> {
    this.polling = true;
    try {
      while (this.waiters.size > 0 && !this.closed) {
        let page: { requests: ListedRequest[] };
        try {
          page = await callJson(`${this.providerUrl}${API}/requests?limit=100&wait=${LONG_POLL_SECONDS}`, {
            token: this.credential,
            signal: this.stop.signal,
          });
        } catch (err) {
          if (this.closed) return;
          // a refused credential or an unreachable provider: retry shortly, the flows time out on their own
          if (!(err instanceof HttpCallError)) throw err;
          await sleep(500, this.stop.signal);
          continue;
        }
        const now = Date.now();
        let matched = 0;
        for (const listed of page.requests) {
          const waiter = listed.binding_message === undefined ? undefined : this.waiters.get(listed.binding_message);
          if (!waiter) continue;
          this.waiters.delete(listed.binding_message!);
          waiter.resolve({ id: listed.id, bindingMessage: listed.binding_message!, seenAt: now });
          matched++;
        }
        if (matched === 0 && page.requests.length > 0) await sleep(RELIST_PAUSE_MS, this.stop.signal);
      }
    } finally {
      this.polling = false;
    }
  }
}

/** Provisioning on the bearer path: a device credential per owner from the provider's admin API. */
export const bearerEnrolment: OwnerEnrolment = {
  async enrol(target: Target, sub: string): Promise<string> {
    const device = await callJson<{ credential: string }>(
      `${target.providerAdminUrl}/admin/v1/owners/${encodeURIComponent(sub)}/devices`,
      { method: 'POST', token: target.providerAdminToken, body: { name: 'device-sim phone' } },
    );
    return device.credential;
  },
};

export const bearerOwners: OwnerActorFactory = {
  actor: (target: Target, owner: FleetOwner) => new BearerOwnerActor(target.providerUrl, owner.credential),
};
