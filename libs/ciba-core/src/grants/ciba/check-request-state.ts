import type { AuthRequest } from '../../domain/auth-request';
import { AccessDeniedGrant, ExpiredToken, InvalidGrant } from '../../errors/oauth-error';
import { denialDescription } from '../../completion/complete-auth-request';

/**
 * CIBA §11 terminal states, in order: a consumed id is single-use (`invalid_grant`,
 * CIBA §7.3 as clarified by openid/mobile#171), an expired one is `expired_token`,
 * a denied one is `access_denied` (HTTP 400 at the token endpoint). Returns the
 * status still to act on: pending or approved.
 */
export function checkRequestState(request: AuthRequest, now: number): 'pending' | 'approved' {
  if (request.status === 'consumed') throw new InvalidGrant('auth_req_id was already used');
  if (request.status === 'expired' || request.expiresAt <= now) throw new ExpiredToken('auth_req_id has expired');
  if (request.status === 'denied') throw new AccessDeniedGrant(denialDescription(request.denialReason));
  return request.status;
}
