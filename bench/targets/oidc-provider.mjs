// node-oidc-provider as a benchmark target: forks bench/oidc-provider-server.mjs with
// the bench clients and owners, then reads the endpoints from its discovery document.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { ProviderProcess } from '../lib/child.mjs';

const SERVER = fileURLToPath(new URL('../oidc-provider-server.mjs', import.meta.url));

/** @returns {Promise<{ target: import('../load.mjs').Target, process: ProviderProcess }>} */
export async function startOidcProvider({ owners: ownerCount, pingPort }) {
  const secret = () => randomBytes(24).toString('base64url');
  const clients = {
    poll: { clientId: 'bench-poll', clientSecret: secret() },
    ping: { clientId: 'bench-ping', clientSecret: secret() },
  };
  const owners = Array.from({ length: ownerCount }, (_, i) => ({
    sub: `owner-${i}`,
    email: `owner-${i}@bench.example`,
    deviceCredential: secret(),
  }));
  const child = new ProviderProcess(SERVER, { label: 'oidc-provider', env: { NODE_ENV: 'production' } });
  child.send({
    type: 'configure',
    config: {
      clients: [
        { ...clients.poll, mode: 'poll' },
        // node-oidc-provider requires an https URL here; the server maps it back to the
        // plain-HTTP loopback listener (see oidc-provider-server.mjs).
        { ...clients.ping, mode: 'ping', notificationEndpoint: `https://127.0.0.1:${pingPort}/ping` },
      ],
      owners,
    },
  });
  const ready = await child.waitFor(['ready', 'failed']);
  if (ready.type === 'failed') throw new Error(`oidc-provider failed to start: ${ready.error}`);
  const discovery = await (await fetch(`${ready.issuer}/.well-known/openid-configuration`)).json();
  return {
    process: child,
    target: {
      name: 'node-oidc-provider',
      issuer: ready.issuer,
      backchannelEndpoint: discovery.backchannel_authentication_endpoint,
      tokenEndpoint: discovery.token_endpoint,
      ownerDeviceRequests: `${ready.issuer}/owner-device/v1/requests`,
      clients,
      owners: owners.map((o) => ({ loginHint: o.email, deviceCredential: o.deviceCredential })),
    },
  };
}
