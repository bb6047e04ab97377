/**
 * How the examples become clients of the provider (examples/shared/provider-client.ts), against
 * a real provider: registration through the admin API or Dynamic Client Registration, the kept
 * registration reused on the next start, and replaced when the provider no longer accepts it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as oidc from 'openid-client';
import { adminTokenOf, connectToProvider } from '../../examples/shared/provider-client';
import { makeTempDir, removeTempDir, startProvider, type TestProvider } from '../support/provider';
import { sendJson } from '../support/http';

describe('examples: registration with the provider', () => {
  let provider: TestProvider;
  let dir: string;

  beforeAll(async () => {
    provider = await startProvider();
    dir = makeTempDir();
  });
  afterAll(async () => {
    await provider.close();
    removeTempDir(dir);
  });

  const saved = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

  it('registers through the admin API, keeps the registration, and reuses it on the next start', async () => {
    const registrationFile = join(dir, 'admin.client.json');
    const options = {
      issuer: provider.issuer,
      adminToken: provider.adminToken,
      registrationFile,
      metadata: { client_name: 'Desk' },
    };
    const first = await connectToProvider(options);
    const clientId = first.clientMetadata().client_id;
    expect(saved(registrationFile)).toMatchObject({ issuer: provider.issuer, client_id: clientId });
    const again = await connectToProvider(options);
    expect(again.clientMetadata().client_id).toBe(clientId);
    // a real client: the provider takes its backchannel requests (here refused only for the unknown user)
    await expect(
      oidc.initiateBackchannelAuthentication(again, { scope: 'openid', login_hint: 'nobody@example.test' }),
    ).rejects.toMatchObject({ error: 'unknown_user_id' });
  });

  it('registers again when the provider disabled the kept client', async () => {
    const registrationFile = join(dir, 'disabled.client.json');
    const options = {
      issuer: provider.issuer,
      adminToken: provider.adminToken,
      registrationFile,
      metadata: { client_name: 'Kiosk' },
    };
    const clientId = (await connectToProvider(options)).clientMetadata().client_id;
    const disabled = await sendJson(
      'POST',
      provider.at(`/admin/v1/clients/${clientId}/disable`),
      {},
      { authorization: `Bearer ${provider.adminToken}` },
    );
    expect(disabled.status).toBeLessThan(300);
    const replaced = (await connectToProvider(options)).clientMetadata().client_id;
    expect(replaced).not.toBe(clientId);
    expect(saved(registrationFile).client_id).toBe(replaced);
  });

  it('registers through Dynamic Client Registration with an initial access token', async () => {
    const config = await connectToProvider({
      issuer: provider.issuer,
      initialAccessToken: provider.initialAccessToken,
      registrationFile: join(dir, 'dcr.client.json'),
      metadata: { client_name: 'Desk (DCR)' },
    });
    await expect(
      oidc.initiateBackchannelAuthentication(config, { scope: 'openid', login_hint: 'nobody@example.test' }),
    ).rejects.toMatchObject({ error: 'unknown_user_id' });
  });

  it('says what is missing without a token, and names the provider it cannot reach', async () => {
    await expect(
      connectToProvider({ issuer: provider.issuer, registrationFile: join(dir, 'none.json'), metadata: {} }),
    ).rejects.toThrow(/set ADMIN_TOKEN .* or INITIAL_ACCESS_TOKEN/);
    await expect(
      connectToProvider({
        issuer: 'http://localhost:1',
        adminToken: 'x',
        registrationFile: join(dir, 'unreachable.json'),
        metadata: {},
      }),
    ).rejects.toThrow('cannot reach the provider at http://localhost:1');
    await expect(
      connectToProvider({
        issuer: provider.issuer,
        adminToken: 'wrong-admin-token-0123456789',
        registrationFile: join(dir, 'wrong.json'),
        metadata: {},
      }),
    ).rejects.toThrow(/registration at .* failed: HTTP 401/);
  });

  it('reads the admin token that npm start keeps beside its database, unless ADMIN_TOKEN is set', () => {
    writeFileSync(
      join(dir, 'admin-tokens.json'),
      JSON.stringify({ ADMIN_TOKEN: 'from-file', BRIDGE_ADMIN_TOKEN: 'b' }),
    );
    expect(adminTokenOf({}, dir)).toBe('from-file');
    expect(adminTokenOf({ ADMIN_TOKEN: 'from-env' }, dir)).toBe('from-env');
    expect(adminTokenOf({}, join(dir, 'elsewhere'))).toBeUndefined();
  });
});
