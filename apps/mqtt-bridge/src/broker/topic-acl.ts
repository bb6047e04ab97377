import type { Logger } from '@onboard/platform';
import type { AuthenticatedDevice, DeviceHooks } from '@onboard/bridge-core';
import { isInSubtree } from '@onboard/mqtt-contract';
import type { AedesOptions, Client } from 'aedes';
import type { BridgeMetrics } from './bridge-metrics';

type AclHooks = Required<Pick<AedesOptions, 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>>;

/**
 * Policy hook "authorize a topic" (STYLE §13): the aedes hooks around the bridge's
 * `authorizePublish` / `authorizeSubscribe` device hooks (by default `defaultAuthorizePublish` /
 * `defaultAuthorizeSubscribe`, which confine each device to its subtree).
 * - PUBLISH refused by the hook (by default: outside `{subtree}/requests/`): refused, which closes the connection; MQTT 3.1.1 has
 *   no way to refuse a single PUBLISH [MQTT-3.3.5-2]. A topic containing U+0000 closes it too
 *   [MQTT-1.5.3-2]. The retain flag of an allowed PUBLISH is
 *   cleared: device messages are never stored by the broker.
 * - SUBSCRIBE refused by the hook (by default: a filter that could match outside the subtree): SUBACK return code 0x80
 *   [MQTT-3.9.3], the connection stays.
 * - Delivery: a packet is forwarded to a device only when its topic lies in the device's subtree.
 * Every refusal is counted by kind (`cross_device` among them) and logged without the topic.
 */
export function createTopicAcl(
  deviceOf: (client: Client | null) => AuthenticatedDevice | undefined,
  metrics: BridgeMetrics,
  logger: Logger,
  hooks: Pick<DeviceHooks, 'authorizePublish' | 'authorizeSubscribe'>,
): AclHooks {
  return {
    authorizePublish(client, packet, callback) {
      const device = deviceOf(client);
      if (!device) return callback(new Error('publish without an authenticated device'));
      const decision = hooks.authorizePublish(device, packet.topic);
      if (decision === 'allowed') {
        packet.retain = false;
        return callback(null);
      }
      metrics.countAclRefusal('publish', decision);
      logger.warn('mqtt publish refused', { deviceId: device.deviceId, decision });
      callback(new Error(`publish refused: ${decision}`));
    },
    authorizeSubscribe(client, subscription, callback) {
      const device = deviceOf(client);
      const decision = device ? hooks.authorizeSubscribe(device, subscription.topic) : 'outside_subtree';
      if (decision === 'allowed') return callback(null, subscription);
      metrics.countAclRefusal('subscribe', decision);
      logger.warn('mqtt subscribe refused', { deviceId: device?.deviceId, decision });
      // [MQTT-1.5.3-2]: U+0000 in a filter closes the connection (an error does); others get 0x80
      if (decision === 'malformed_topic') return callback(new Error('subscribe refused: malformed_topic'), null);
      callback(null, null);
    },
    authorizeForward(client, packet) {
      const device = deviceOf(client);
      return device && isInSubtree(device.deviceId, packet.topic) ? packet : null;
    },
  };
}
