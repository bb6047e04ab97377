import type { SigningAlg } from '../domain/tokens';
import { InvalidClientMetadata } from '../errors/oauth-error';
import { DEFAULT_ID_TOKEN_SIGNING_ALG, FAPI_ID_TOKEN_SIGNING_ALG, responseSigningAlgs } from '../keys/signing-algs';
import { optionalString, type RawMetadata } from './metadata-values';

/** Signed-response metadata this provider does not offer: registering it is refused, not ignored. */
const UNSUPPORTED: Record<string, string> = {
  // RFC 9701 §6 (JWT introspection responses): introspection answers plain JSON here.
  introspection_signed_response_alg: 'signed introspection responses (RFC 9701) are not supported',
};

function checkAlg(raw: RawMetadata, name: string, fapi: boolean): SigningAlg | undefined {
  const value = optionalString(raw, name);
  if (value === undefined) return undefined;
  const offered = responseSigningAlgs(fapi);
  // OIDC Registration §2: `none` is refused (ID tokens are always signed here), as is any
  // alg we hold no key for; FAPI 1.0 Advanced §8.6 narrows the list to PS256 and ES256.
  if (!(offered as string[]).includes(value)) {
    const profile = fapi ? ' (FAPI-CIBA)' : '';
    throw new InvalidClientMetadata(
      `${name} must be one of ${offered.join(', ')}${profile}, got '${value.slice(0, 32)}'`,
    );
  }
  return value as SigningAlg;
}

/**
 * OIDC Registration §2 signed-response metadata: `id_token_signed_response_alg` (default
 * RS256, or PS256 for a FAPI client, and recorded so the client information response
 * states it) and `userinfo_signed_response_alg` (absent: UserInfo answers JSON). Each must
 * be an alg the provider publishes in discovery; `none`, HMAC and anything else are
 * invalid_client_metadata. Signed introspection responses are refused likewise.
 */
export function checkSignedResponseAlgs(
  raw: RawMetadata,
  fapi: boolean,
): { idTokenAlg: SigningAlg; userinfoAlg?: SigningAlg } {
  for (const [name, problem] of Object.entries(UNSUPPORTED)) {
    if (raw[name] !== undefined && raw[name] !== null) throw new InvalidClientMetadata(`${name}: ${problem}`);
  }
  const idTokenAlg =
    checkAlg(raw, 'id_token_signed_response_alg', fapi) ??
    (fapi ? FAPI_ID_TOKEN_SIGNING_ALG : DEFAULT_ID_TOKEN_SIGNING_ALG);
  return { idTokenAlg, userinfoAlg: checkAlg(raw, 'userinfo_signed_response_alg', fapi) };
}
