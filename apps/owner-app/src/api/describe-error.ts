import type { MessageKey, Params } from '../i18n/i18n';
import { ApiError } from './api-error';

export interface ErrorMessage {
  key: MessageKey;
  params?: Params;
}

/**
 * What to tell the owner about a failure: an API error by its kind, a WebAuthn
 * failure by its DOMException name (the browser library keeps it, and its `code`).
 * Every message says what the owner can do next.
 */
export function describeError(error: unknown): ErrorMessage {
  if (error instanceof ApiError) {
    switch (error.kind) {
      case 'offline':
        return { key: 'error.offline' };
      case 'signed_out':
        return { key: 'error.signed_out' };
      case 'invalid':
        return { key: 'error.invalid' };
      case 'forbidden':
        return { key: 'error.forbidden' };
      case 'not_found':
        return { key: 'error.not_found' };
      case 'conflict':
        return { key: 'error.conflict' };
      case 'rate_limited':
        return error.retryAfter !== undefined
          ? { key: 'error.rate_limited', params: { seconds: error.retryAfter } }
          : { key: 'error.rate_limited_unknown' };
      case 'server':
        return { key: 'error.server' };
    }
  }
  const { name, code } = (error ?? {}) as { name?: string; code?: string };
  if (code === 'ERROR_AUTHENTICATOR_PREVIOUSLY_REGISTERED' || name === 'InvalidStateError') {
    return { key: 'error.passkey_exists' };
  }
  if (code === 'ERROR_INVALID_DOMAIN' || code === 'ERROR_INVALID_RP_ID' || name === 'SecurityError') {
    return { key: 'error.passkey_insecure' };
  }
  if (name === 'NotAllowedError' || name === 'AbortError' || code === 'ERROR_CEREMONY_ABORTED') {
    return { key: 'error.passkey_cancelled' };
  }
  if (name === 'NotSupportedError' || (error instanceof Error && /WebAuthn is not supported/i.test(error.message))) {
    return { key: 'error.passkey_unsupported' };
  }
  if (code?.startsWith('ERROR_')) return { key: 'error.passkey_failed' };
  return { key: 'error.server' };
}
