import { createHttpProviderClient, type ProviderClient } from '@onboard/bridge-core';
import { PATHS, type HttpClient, type Logger } from '@onboard/ciba-core';

/**
 * The provider client of the relay, its endpoints read from the provider's discovery document
 * (OpenID Connect Discovery §4: `backchannel_authentication_endpoint`, `token_endpoint`). When
 * the provider cannot be reached at start-up, the endpoints are derived from its URL with
 * Onboard's paths and a warning is logged, so the bridge starts anyway.
 */
export async function createBridgeHttpProviderClient(
  providerUrl: string,
  http: HttpClient,
  logger: Logger,
): Promise<ProviderClient> {
  let backchannelEndpoint = providerUrl + PATHS.backchannel;
  let tokenEndpoint = providerUrl + PATHS.token;
  try {
    const res = await http.send({
      method: 'GET',
      url: providerUrl + PATHS.discovery,
      headers: { accept: 'application/json' },
      timeoutMs: 5000,
      maxResponseBytes: 256 * 1024,
    });
    if (res.status !== 200) throw new Error(`discovery answered ${res.status}`);
    const metadata = JSON.parse(res.body) as Record<string, unknown>;
    if (typeof metadata.backchannel_authentication_endpoint === 'string')
      backchannelEndpoint = metadata.backchannel_authentication_endpoint;
    if (typeof metadata.token_endpoint === 'string') tokenEndpoint = metadata.token_endpoint;
  } catch (err) {
    logger.warn('provider discovery failed, using default endpoint paths', {
      providerUrl,
      error: err instanceof Error ? err.message : 'unknown',
    });
  }
  return createHttpProviderClient({ backchannelEndpoint, tokenEndpoint, http });
}
