import type { HttpClient, Logger } from '@onboard/platform';
import type { ProviderClient } from '../ports/provider-client.port';
import { createHttpProviderClient } from './http-provider-client';

/** Where an OpenID Provider publishes its metadata (OpenID Connect Discovery 1.0 §4). */
export const PROVIDER_DISCOVERY_PATH = '/.well-known/openid-configuration';

/**
 * Onboard's own endpoint paths, used only when the provider's discovery document cannot be
 * read at start-up (the provider names them in `PATHS`; a system test keeps the two equal).
 */
export const ONBOARD_PROVIDER_PATHS = { backchannel: '/backchannel', token: '/token' } as const;

/**
 * The provider client of the relay, its endpoints read from the provider's discovery document
 * (OpenID Connect Discovery §4: `backchannel_authentication_endpoint`, `token_endpoint`). When
 * the provider cannot be reached at start-up, the endpoints are derived from its URL with
 * Onboard's paths and a warning is logged, so the bridge starts anyway.
 *
 * @example
 * const provider = await discoverProvider('https://op.example', createHttpClient(), logger);
 */
export async function discoverProvider(providerUrl: string, http: HttpClient, logger: Logger): Promise<ProviderClient> {
  let backchannelEndpoint = providerUrl + ONBOARD_PROVIDER_PATHS.backchannel;
  let tokenEndpoint = providerUrl + ONBOARD_PROVIDER_PATHS.token;
  try {
    const res = await http.send({
      method: 'GET',
      url: providerUrl + PROVIDER_DISCOVERY_PATH,
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
