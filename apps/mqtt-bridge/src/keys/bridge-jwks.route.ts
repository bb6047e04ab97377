import type { BridgePayloadKeys } from '@onboard/bridge-core';
import type { BridgeHttpServer } from '../infra/http-server';

/** Where the bridge publishes its public encryption keys (RFC 8414 §2 naming, a JWK set, RFC 7517 §5). */
export const BRIDGE_JWKS_PATH = '/.well-known/jwks.json';

/**
 * `GET /.well-known/jwks.json`: the public keys devices seal their payloads to (docs/protocol.md
 * §5a), for provisioning tools; a device takes the key at provisioning, never from the broker.
 */
export function registerBridgeJwksRoute(http: BridgeHttpServer, keys: BridgePayloadKeys): void {
  http.route('GET', BRIDGE_JWKS_PATH, async () => ({
    status: 200,
    headers: { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300' },
    body: JSON.stringify({ keys: keys.publicJwks }),
  }));
}
