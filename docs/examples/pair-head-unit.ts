/**
 * A head-unit pairs with its owner through Onboard: it asks the owner (found by e-mail, phone or
 * user name) to approve on their phone, waits for the verified tokens, refreshes them once, and
 * disconnects. See docs/device-client.md for the walk-through. In a project of its own:
 *
 *   npm install @onboard/device-client
 *   npx tsx pair-head-unit.ts owner@example.com
 *
 * Settings (environment):
 *   DEVICE_ID            the head-unit's device id (default hu-example-1)
 *   DEVICE_KEY_FILE      where its keys live (default ./data/hu-example-1.keys.json, created on first run)
 *   MQTT_URL             the bridge's broker (default mqtt://localhost:1884)
 *   ISSUER               the provider's issuer (default http://localhost:4000)
 *   BRIDGE_ADMIN_URL     the bridge's HTTP listener (default http://localhost:4001), also its JWK set
 *   BRIDGE_AUDIENCE      the bridge's audience for connect credentials (default urn:onboard:mqtt-bridge)
 *   BRIDGE_ADMIN_TOKEN   when set, the example registers its device itself through the bridge admin API
 */
import { DeviceClientError, FileKeyStore, connect } from '@onboard/device-client';

async function main(): Promise<number> {
  const env = process.env;
  const loginHint = process.argv[2];
  if (!loginHint) {
    console.error('usage: npx tsx pair-head-unit.ts <owner login hint>');
    return 2;
  }
  const deviceId = env.DEVICE_ID ?? 'hu-example-1';
  const issuer = (env.ISSUER ?? 'http://localhost:4000').replace(/\/+$/, '');
  const keys = new FileKeyStore(env.DEVICE_KEY_FILE ?? `./data/${deviceId}.keys.json`);
  const publicJwks = await keys.getPublicJwks();

  // 1. Registration: normally done once by the fleet operator from the public keys.
  const adminToken = env.BRIDGE_ADMIN_TOKEN;
  if (adminToken) {
    const res = await fetch(`${env.BRIDGE_ADMIN_URL ?? 'http://localhost:4001'}/admin/v1/devices`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: deviceId, jwks: publicJwks, name: 'Example head-unit' }),
    });
    console.log(`registration: HTTP ${res.status}`, await res.text());
    if (!res.ok) return 1;
  } else {
    console.log(`register ${deviceId} with these public keys if you have not yet:`);
    console.log(JSON.stringify(publicJwks));
  }

  // 2. Connect. The provider's JWKS comes from its discovery document, the bridge's encryption key
  // from its JWK set (docs/protocol.md §5a), both over HTTPS in production (or from provisioning).
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string;
    token_endpoint: string;
  };
  const bridgeJwks = (await (
    await fetch(`${env.BRIDGE_ADMIN_URL ?? 'http://localhost:4001'}/.well-known/jwks.json`)
  ).json()) as { keys: Array<{ use?: string }> };
  const bridgeEncryptionKey = bridgeJwks.keys.find((key) => key.use === 'enc');
  if (!bridgeEncryptionKey) {
    console.error('the bridge published no encryption key at /.well-known/jwks.json');
    return 1;
  }
  const client = await connect({
    url: env.MQTT_URL ?? 'mqtt://localhost:1884',
    deviceId,
    keys,
    ...(env.BRIDGE_AUDIENCE ? { audience: env.BRIDGE_AUDIENCE } : {}),
    bridgeEncryptionKey,
    providerIssuer: issuer,
    providerJwksUri: discovery.jwks_uri,
    tokenEndpoint: discovery.token_endpoint,
    logger: { debug: () => {}, info: console.log, warn: console.warn, error: console.error },
  });
  client.on('offline', () => console.log('offline; reconnecting…'));

  try {
    // 3. Ask the owner.
    const handle = client.requestOwnerVerification({
      loginHint,
      bindingMessage: `Pair ${deviceId}`,
      scope: 'openid',
      signal: AbortSignal.timeout(5 * 60_000),
    });
    handle.on('ack', ({ expiresIn }) =>
      console.log(`waiting for the owner's approval on their phone (up to ${expiresIn} s)…`),
    );
    handle.on('status', (status) => console.log(`status: ${status}`));
    process.once('SIGINT', () => handle.cancel());

    const tokens = await handle.result;
    // Never print the tokens themselves.
    console.log(`paired with owner ${tokens.claims.sub}; ${tokens.tokenType} access token valid ${tokens.expiresIn} s`);

    // 4. Refresh once, over the same MQTT channel.
    if (tokens.refreshToken) {
      const refreshed = await client.refresh(tokens);
      console.log(`refreshed; new access token valid ${refreshed.expiresIn} s`);
    }
    return 0;
  } catch (err) {
    if (!(err instanceof DeviceClientError)) throw err;
    switch (err.code) {
      case 'access_denied':
        console.log('the owner denied the pairing');
        return 1;
      case 'expired_token':
      case 'timeout':
        console.log('the owner did not answer in time');
        return 1;
      case 'cancelled':
        console.log('cancelled');
        return 1;
      default:
        console.error(`pairing failed: ${err.code} (${err.message})`);
        return 1;
    }
  } finally {
    await client.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof DeviceClientError ? `${err.code}: ${err.message}` : err);
    process.exit(1);
  },
);
