import { isResultErrorCode, type ResultErrorCode, type ResultMessage } from '@onboard/mqtt-contract';
import type { RelayOutcome, RelayRecord } from '../ports/relay-ledger.port';

/**
 * The device-facing outcome of a provider error (CIBA §11, §13; RFC 6749 §5.2): `access_denied` is
 * `denied`, `expired_token` is `expired`, everything else `failed`. Codes outside the documented
 * list become `transaction_failed` (the original code is kept in the description).
 */
export function errorOutcome(error: string, errorDescription?: string): RelayOutcome {
  const known = isResultErrorCode(error);
  const code: ResultErrorCode = known ? error : 'transaction_failed';
  const description = known ? errorDescription : `provider error ${error.slice(0, 64)}`;
  const status = code === 'access_denied' ? 'denied' : code === 'expired_token' ? 'expired' : 'failed';
  return { status, error: code, ...(description === undefined ? {} : { errorDescription: description }) };
}

/** The `replies/result` message of a ledger entry that has an outcome. */
export function resultMessage(record: RelayRecord & { outcome: RelayOutcome }): ResultMessage {
  const base = {
    type: 'result' as const,
    requestId: record.requestId,
    ...(record.authReqId === undefined ? {} : { authReqId: record.authReqId }),
  };
  const outcome = record.outcome;
  if ('encryptedTokenResponse' in outcome) {
    return { ...base, status: outcome.status, encryptedTokenResponse: outcome.encryptedTokenResponse };
  }
  return {
    ...base,
    status: outcome.status,
    error: isResultErrorCode(outcome.error) ? outcome.error : 'transaction_failed',
    ...(outcome.errorDescription === undefined ? {} : { errorDescription: outcome.errorDescription }),
  };
}
