import type { AuthRequest } from '../../domain/auth-request';
import { InvalidDpopProof, InvalidGrant } from '../../errors/oauth-error';

/**
 * `dpop_jkt` (RFC 9449 §10, applied to the CIBA grant): a request made with `dpop_jkt`
 * yields tokens only to a token request whose DPoP proof was made with that key. No
 * proof at all is `invalid_dpop_proof` (RFC 9449 §5: the proof the grant requires is
 * missing); a proof by another key is `invalid_grant` (RFC 6749 §5.2: the grant is
 * bound elsewhere), as for a DPoP-bound refresh token. Checked before the request's
 * state, so a wrong key learns nothing and consumes nothing.
 */
export function checkDpopBinding(request: AuthRequest, jkt: string | undefined): void {
  if (request.dpopJkt === undefined) return;
  if (jkt === undefined)
    throw new InvalidDpopProof('this auth_req_id is bound to a DPoP key: a DPoP proof is required');
  if (jkt !== request.dpopJkt) throw new InvalidGrant('auth_req_id is bound to another DPoP key');
}
