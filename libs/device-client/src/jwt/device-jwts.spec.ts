import { verifyConnectCredential } from '@onboard/mqtt-contract';
import { MemoryKeyStore } from '../keys/memory-key-store';
import { createConnectCredential, signRequestObject } from './device-jwts';

describe('device JWTs', () => {
  it('creates connect credentials the bridge-side verifier accepts, each with a new jti', async () => {
    const keys = await MemoryKeyStore.generate();
    const publicKeys = (await keys.getPublicJwks()).keys.filter((k) => k.use === 'sig');
    const now = Date.now();
    const a = await createConnectCredential(keys, { deviceId: 'hu-1', audience: 'urn:aud', now });
    const b = await createConnectCredential(keys, { deviceId: 'hu-1', audience: 'urn:aud', now });
    const verified = await verifyConnectCredential(a.credential, {
      deviceId: 'hu-1',
      publicKeys,
      audience: 'urn:aud',
      now,
    });
    expect(verified.jti).toBe(a.jti);
    expect(verified.expiresAt - Math.floor(now / 1000) * 1000).toBe(120_000);
    expect(b.jti).not.toBe(a.jti);
  });

  it('caps the request object lifetime at 60 minutes (CIBA §7.1.1)', async () => {
    const keys = await MemoryKeyStore.generate();
    const { request } = await signRequestObject(keys, {
      deviceId: 'hu-1',
      issuer: 'https://id.example',
      now: Date.now(),
      lifetimeSeconds: 24 * 3600,
      params: { scope: 'openid', loginHint: 'a' },
    });
    const claims = JSON.parse(Buffer.from(request.split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.nbf).toBe(3600);
    expect(claims).not.toHaveProperty('id_token_hint');
  });
});
