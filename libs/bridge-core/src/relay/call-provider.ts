import type { Logger } from '@onboard/platform';
import { ProviderUnavailableError } from '../ports/provider-client.port';
import type { PendingPushes } from './pending-pushes';
import type { RequestLedger } from './request-ledger';

/**
 * Calls the provider for a claimed ledger entry. On any failure the entry is released (and its
 * pending push forgotten), so the device's retry with the same request id relays again; an
 * unreachable provider becomes `'unavailable'` (the device is told `temporarily_unavailable`),
 * anything else is rethrown (the dispatcher answers `server_error`).
 */
export async function callProvider<T>(
  deps: { ledger: RequestLedger; pending: PendingPushes; logger: Logger },
  entry: { deviceId: string; requestId: string; tokenHash?: string },
  call: () => Promise<T>,
): Promise<T | 'unavailable'> {
  try {
    return await call();
  } catch (err) {
    await deps.ledger.release(entry.deviceId, entry.requestId);
    if (entry.tokenHash !== undefined) deps.pending.delete(entry.tokenHash);
    if (!(err instanceof ProviderUnavailableError)) throw err;
    deps.logger.warn('provider unavailable', {
      deviceId: entry.deviceId,
      requestId: entry.requestId,
      reason: err.message,
    });
    return 'unavailable';
  }
}
