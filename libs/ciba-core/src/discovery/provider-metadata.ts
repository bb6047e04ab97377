import type { ProviderSettings } from '../settings';
import { CIBA_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE } from '../domain/client';
import { PATHS } from '../paths';
import { ASYMMETRIC_JWS_ALGS, FAPI_JWS_ALGS } from '../client-auth/algorithms';
import { DPOP_SIGNING_ALGS } from '../dpop/verify-dpop-proof';
import { responseSigningAlgs } from '../keys/signing-algs';
import { TOKEN_RESPONSE_ENCRYPTION_ALGS, TOKEN_RESPONSE_ENCRYPTION_ENCS } from '../tokens/encrypt-token-response';
import { REQUEST_OBJECT_ENCRYPTION_ALGS, REQUEST_OBJECT_ENCRYPTION_ENCS } from '../keys/request-object-keys';

/** Claims this OP can release (ID Token and userinfo, OIDC Core §2, §5.1). */
const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'acr',
  'amr',
  'name',
  'preferred_username',
  'email',
  'email_verified',
  'phone_number',
  'phone_number_verified',
];

/**
 * The OP metadata (OIDC Discovery §3, RFC 8414 §2) with the CIBA §4 fields.
 * All URLs are issuer + PATHS. Under global FAPI-CIBA: no push (§5.2.2-3),
 * private_key_jwt only, PS256/ES256 only, signed requests required. Without FAPI, ID
 * tokens and signed UserInfo offer RS256 (the default), ES256 and PS256.
 */
export function providerMetadata(settings: ProviderSettings): Record<string, unknown> {
  const issuer = settings.issuer;
  const fapi = settings.fapiCiba;
  const clientAlgs = fapi ? [...FAPI_JWS_ALGS] : [...ASYMMETRIC_JWS_ALGS];
  const authMethods = fapi ? ['private_key_jwt'] : ['private_key_jwt', 'client_secret_basic', 'client_secret_post'];
  const scopes = settings.scopesSupported.includes('openid')
    ? [...settings.scopesSupported]
    : ['openid', ...settings.scopesSupported];
  const metadata: Record<string, unknown> = {
    issuer,
    backchannel_authentication_endpoint: issuer + PATHS.backchannel,
    token_endpoint: issuer + PATHS.token,
    jwks_uri: issuer + PATHS.jwks,
    userinfo_endpoint: issuer + PATHS.userinfo,
    registration_endpoint: issuer + PATHS.registration,
    introspection_endpoint: issuer + PATHS.introspection,
    revocation_endpoint: issuer + PATHS.revocation,
    // CIBA §4
    backchannel_token_delivery_modes_supported: fapi ? ['poll', 'ping'] : ['poll', 'ping', 'push'],
    backchannel_authentication_request_signing_alg_values_supported: clientAlgs,
    backchannel_user_code_parameter_supported: true,
    grant_types_supported: [CIBA_GRANT_TYPE, REFRESH_TOKEN_GRANT_TYPE],
    token_endpoint_auth_methods_supported: authMethods,
    token_endpoint_auth_signing_alg_values_supported: clientAlgs,
    introspection_endpoint_auth_methods_supported: authMethods,
    introspection_endpoint_auth_signing_alg_values_supported: clientAlgs,
    revocation_endpoint_auth_methods_supported: authMethods,
    revocation_endpoint_auth_signing_alg_values_supported: clientAlgs,
    // OIDC Discovery §3: RS256 must be listed (and is the default, OIDC Registration §2);
    // FAPI 1.0 Advanced §8.6 leaves PS256 and ES256.
    id_token_signing_alg_values_supported: responseSigningAlgs(fapi),
    // OIDC Core §5.3.2: UserInfo as a signed JWT for clients that register userinfo_signed_response_alg.
    userinfo_signing_alg_values_supported: responseSigningAlgs(fapi),
    request_object_signing_alg_values_supported: clientAlgs,
    // RFC 9101 §6.1, OIDC Discovery §3: a signed request object may be encrypted to the provider's
    // `use: enc` key (a nested JWT), so a relay such as the MQTT bridge cannot read it
    request_object_encryption_alg_values_supported: [...REQUEST_OBJECT_ENCRYPTION_ALGS],
    request_object_encryption_enc_values_supported: [...REQUEST_OBJECT_ENCRYPTION_ENCS],
    scopes_supported: scopes,
    claims_supported: CLAIMS_SUPPORTED,
    subject_types_supported: ['public'],
    // OIDC Discovery §3 makes this field REQUIRED; a CIBA-only OP has no authorization endpoint,
    // so it supports no response type.
    response_types_supported: [],
    acr_values_supported: [...settings.acrValuesSupported],
    dpop_signing_alg_values_supported: [...DPOP_SIGNING_ALGS],
    // Onboard extension: token responses encrypted to the client (push body and token endpoint).
    token_response_encryption_alg_values_supported: [...TOKEN_RESPONSE_ENCRYPTION_ALGS],
    token_response_encryption_enc_values_supported: [...TOKEN_RESPONSE_ENCRYPTION_ENCS],
    // Access tokens are sender-constrained with DPoP (RFC 9449), not mTLS (RFC 8705).
    tls_client_certificate_bound_access_tokens: false,
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
  if (settings.authorizationDetailsTypesSupported) {
    // RFC 9396 §10
    metadata.authorization_details_types_supported = [...settings.authorizationDetailsTypesSupported];
  }
  // FAPI-CIBA §5.2.2-6 (ID1): signed backchannel requests are required.
  if (fapi) metadata.require_signed_request_object = true;
  return metadata;
}
