import { randomBytes } from 'node:crypto';
import { KEY_ENCRYPTION_KEY_BYTES, createLocalKeyWrapper, createMemoryStores, rewrapKeys } from '@onboard/ciba-core';
import { openVapidKeys, vapidKeyStore, vapidWrapContext } from './vapid-keys';

const clock = { now: () => 1_800_000_000_000 };
const kek = () => new Uint8Array(randomBytes(KEY_ENCRYPTION_KEY_BYTES));

describe('openVapidKeys', () => {
  it('generates the key pair on first start and returns the same one afterwards', async () => {
    const stores = createMemoryStores();
    const wrapper = await createLocalKeyWrapper([kek()]);
    const first = await openVapidKeys(stores.push, clock, wrapper);
    const again = await openVapidKeys(stores.push, clock, wrapper);
    expect(again).toEqual(first);
    expect(Buffer.from(first.publicKey, 'base64url')).toHaveLength(65);
    expect(Buffer.from(first.privateKey, 'base64url')).toHaveLength(32);
  });

  it('stores the private key wrapped under the KEK, never in clear, and reads it after a KEK rotation', async () => {
    const stores = createMemoryStores();
    const old = kek();
    const keys = await openVapidKeys(stores.push, clock, await createLocalKeyWrapper([old]));
    const [stored] = await stores.push.listVapidKeys();
    expect(JSON.stringify(stored)).not.toContain(keys.privateKey);
    const fresh = kek();
    const rotated = await createLocalKeyWrapper([fresh, old]);
    const result = await rewrapKeys(vapidKeyStore(stores.push), rotated, vapidWrapContext, { all: true });
    expect(result.rewrapped).toEqual(['vapid']);
    // The old KEK can now be dropped.
    expect(await openVapidKeys(stores.push, clock, await createLocalKeyWrapper([fresh]))).toEqual(keys);
  });

  it('does not open with a KEK that did not wrap it', async () => {
    const stores = createMemoryStores();
    await openVapidKeys(stores.push, clock, await createLocalKeyWrapper([kek()]));
    await expect(openVapidKeys(stores.push, clock, await createLocalKeyWrapper([kek()]))).rejects.toThrow();
  });
});
