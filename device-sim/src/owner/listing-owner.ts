import { sleep } from '../concurrency';
import { HttpCallError } from '../http';
import type { OwnerActor, OwnerAnswer, SeenRequest } from './owner-actor';

/** Base path of the owner-device API. */
export const OWNER_DEVICE_API = '/owner-device/v1';
/** Seconds a list call is held open while the owner has nothing pending (the API's `wait`). */
export const LONG_POLL_SECONDS = 20;
/** Pause before listing again when the page held only requests already seen (no hot loop). */
const RELIST_PAUSE_MS = 100;

/** A pending request as `GET /owner-device/v1/requests` lists it. */
export interface ListedRequest {
  id: string;
  binding_message?: string;
}

/**
 * The part every owner phone shares: while a car of the fleet waits on its owner, it long-polls
 * `GET /owner-device/v1/requests?wait=…` (one loop per owner) and hands each waiter the request
 * showing its binding message. Subclasses say how the phone signs its calls and how it answers.
 */
export abstract class ListingOwnerActor implements OwnerActor {
  private readonly waiters = new Map<string, { resolve: (seen: SeenRequest) => void }>();
  private polling = false;
  protected closed = false;
  protected readonly stop = new AbortController();

  /** One page of the owner's pending requests (`?limit=100&wait=…`). */
  protected abstract listPending(signal: AbortSignal): Promise<{ requests: ListedRequest[] }>;

  abstract answer(request: SeenRequest, answer: OwnerAnswer): Promise<void>;

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
          page = await this.listPending(this.stop.signal);
        } catch (err) {
          if (this.closed) return;
          // a refused sign-in or an unreachable provider: retry shortly, the flows time out on their own
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
