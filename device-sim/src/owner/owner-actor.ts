import type { FleetOwner } from '../fleet';
import type { Target } from '../target';

/** How the owner answered on the phone. `not_me`: the "wasn't me" button, a denial that reports the request. */
export type OwnerAnswer = 'approve' | 'deny' | 'not_me';

/** A request as the owner's phone shows it. */
export interface SeenRequest {
  /** The provider's id of the request on the owner-device API. */
  id: string;
  bindingMessage: string;
  /** When the phone learnt of it (ms since the epoch). */
  seenAt: number;
}

/**
 * A virtual owner's phone: learns of requests and answers them through the provider's
 * owner-device API, as the owner app does. Implementations differ in how the phone signs in.
 */
export interface OwnerActor {
  /** Resolves when the phone sees the request showing `bindingMessage`; rejects when `signal` aborts. */
  waitForRequest(bindingMessage: string, signal: AbortSignal): Promise<SeenRequest>;
  answer(request: SeenRequest, answer: OwnerAnswer): Promise<void>;
  close(): void;
}

/** What an owner's phone keeps between runs (secret): a device credential, or a passkey. */
export type OwnerPhone = Pick<FleetOwner, 'credential' | 'passkey'>;

/** Enrols a new owner's phone at provisioning; returns what the phone keeps. */
export interface OwnerEnrolment {
  enrol(target: Target, sub: string): Promise<OwnerPhone>;
}

/** Makes the phones of a fleet's owners for a run. */
export interface OwnerActorFactory {
  actor(target: Target, owner: FleetOwner): OwnerActor;
}
