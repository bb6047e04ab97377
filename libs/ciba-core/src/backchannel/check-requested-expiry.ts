import type { ProviderContext } from '../context';
import { InvalidRequest } from '../errors/oauth-error';
import type { AuthenticationParams } from './authentication-params';

const DIGITS = /^[0-9]{1,10}$/;

/**
 * `requested_expiry` (CIBA §7.1): a positive integer number of seconds, at most
 * settings.maxExpiry. Inside a signed request it may be a JSON number or string
 * (CIBA §7.1.1). Returns the lifetime to grant, settings.defaultExpiry when absent.
 */
export function checkRequestedExpiry(ctx: ProviderContext, params: AuthenticationParams): number {
  const raw = params.get('requested_expiry');
  if (raw === undefined || raw === null || raw === '') return ctx.settings.defaultExpiry;
  let seconds: number;
  if (typeof raw === 'number') seconds = raw;
  else if (typeof raw === 'string' && DIGITS.test(raw)) seconds = Number(raw);
  else throw new InvalidRequest('requested_expiry must be a positive integer');
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new InvalidRequest('requested_expiry must be a positive integer');
  if (seconds > ctx.settings.maxExpiry) {
    throw new InvalidRequest(`requested_expiry must not exceed ${ctx.settings.maxExpiry}`);
  }
  return seconds;
}
