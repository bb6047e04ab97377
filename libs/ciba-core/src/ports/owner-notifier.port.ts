import type { AuthRequest } from '../domain/auth-request';

/**
 * Policy hook: tell an owner's authentication device(s) that a request waits.
 * Runs after the backchannel acknowledgement is decided, never blocks it; a throw
 * is logged and does not fail the client's request. The default implementation
 * wakes long-polling owner devices in this process.
 */
export interface OwnerNotifier {
  notify(request: AuthRequest): void | Promise<void>;
}
