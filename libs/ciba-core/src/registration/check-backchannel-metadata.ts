import type { DeliveryMode } from '../domain/client';
import { InvalidClientMetadata, InvalidRedirectUri } from '../errors/oauth-error';
import type { ProviderSettings } from '../settings';
import { FAPI_JWS_ALGS, isAsymmetricAlg } from '../client-auth/algorithms';
import {
  optionalBoolean,
  optionalString,
  optionalStringArray,
  outboundTargetProblem,
  urlProblem,
  type RawMetadata,
} from './metadata-values';

const MODES: readonly DeliveryMode[] = ['poll', 'ping', 'push'];

export interface BackchannelMetadata {
  mode: DeliveryMode;
  notificationEndpoint?: string;
  requestSigningAlg?: string;
  userCodeParameter: boolean;
  redirectUris?: string[];
}

/**
 * CIBA §4 client metadata: `backchannel_token_delivery_mode` (REQUIRED),
 * `backchannel_client_notification_endpoint` (REQUIRED for ping/push, https, not a
 * refused outbound target),
 * `backchannel_authentication_request_signing_alg` (asymmetric, never none),
 * `backchannel_user_code_parameter`. FAPI-CIBA §5.2.2: no push, a signing alg
 * registered and PS256/ES256. `redirect_uris` are unused by CIBA but validated when sent.
 */
export function checkBackchannelMetadata(
  raw: RawMetadata,
  settings: ProviderSettings,
  fapi: boolean,
): BackchannelMetadata {
  const mode = optionalString(raw, 'backchannel_token_delivery_mode') as DeliveryMode | undefined;
  if (mode === undefined) throw new InvalidClientMetadata('backchannel_token_delivery_mode is required');
  if (!MODES.includes(mode))
    throw new InvalidClientMetadata('backchannel_token_delivery_mode must be poll, ping or push');
  if (fapi && mode === 'push') throw new InvalidClientMetadata('FAPI-CIBA does not allow push mode');

  const notificationEndpoint = optionalString(raw, 'backchannel_client_notification_endpoint');
  if (notificationEndpoint === undefined && mode !== 'poll') {
    throw new InvalidClientMetadata(`backchannel_client_notification_endpoint is required for ${mode} mode`);
  }
  if (notificationEndpoint !== undefined) {
    // The provider POSTs to it: no target inside the deployment's network (SSRF).
    const problem = outboundTargetProblem(notificationEndpoint, settings) ?? urlProblem(notificationEndpoint, settings);
    if (problem) throw new InvalidClientMetadata(`backchannel_client_notification_endpoint ${problem}`);
  }

  const requestSigningAlg = optionalString(raw, 'backchannel_authentication_request_signing_alg');
  if (requestSigningAlg !== undefined && !isAsymmetricAlg(requestSigningAlg)) {
    throw new InvalidClientMetadata('backchannel_authentication_request_signing_alg must be an asymmetric JWS alg');
  }
  if (fapi) {
    if (requestSigningAlg === undefined) {
      throw new InvalidClientMetadata('FAPI-CIBA clients must register backchannel_authentication_request_signing_alg');
    }
    if (!FAPI_JWS_ALGS.includes(requestSigningAlg))
      throw new InvalidClientMetadata('FAPI-CIBA allows only PS256 or ES256');
  }

  const redirectUris = optionalStringArrayOrRedirectError(raw);
  for (const uri of redirectUris ?? []) {
    const problem = urlProblem(uri, settings);
    if (problem) throw new InvalidRedirectUri(`redirect_uri ${problem}`);
  }
  return {
    mode,
    notificationEndpoint,
    requestSigningAlg,
    userCodeParameter: optionalBoolean(raw, 'backchannel_user_code_parameter') ?? false,
    redirectUris,
  };
}

function optionalStringArrayOrRedirectError(raw: RawMetadata): string[] | undefined {
  try {
    return optionalStringArray(raw, 'redirect_uris');
  } catch {
    throw new InvalidRedirectUri('redirect_uris must be an array of URLs');
  }
}
