import { ONBOARD_PROVIDER_PATHS, PROVIDER_DISCOVERY_PATH } from '@onboard/bridge-core';
import { PATHS } from '@onboard/ciba-core';

// The bridge imports nothing of the provider's core; the paths it falls back to when discovery
// fails must still be the provider's own.
describe("the bridge's fallback provider paths", () => {
  it("are the provider's discovery, backchannel and token paths", () => {
    expect(PROVIDER_DISCOVERY_PATH).toBe(PATHS.discovery);
    expect(ONBOARD_PROVIDER_PATHS).toEqual({ backchannel: PATHS.backchannel, token: PATHS.token });
  });
});
