import { REQUESTS_LEVEL, TOPIC_ROOT, isValidDeviceId } from './topics';

/**
 * Topic access rules for a device (docs/protocol.md, "Access rules"). A device publishes only
 * under `{subtree}/requests/`, subscribes only to filters that cannot match outside its subtree,
 * and never reaches another device's topics.
 */

/** Outcome of an access check; everything but `allowed` is a refusal, named for the metric. */
export type AclDecision =
  'allowed' | 'cross_device' | 'outside_subtree' | 'wrong_direction' | 'wildcard_escape' | 'malformed_topic';

/** [MQTT-1.5.3-2]: a UTF-8 string of MQTT must not contain U+0000; a receiver closes the connection. */
function hasNullCharacter(topic: string): boolean {
  return topic.includes('\u0000');
}

/**
 * May `deviceId` publish on `topic`? Only `onboard/v1/devices/{deviceId}/requests/...` is allowed;
 * another device's subtree is `cross_device`, the device's own `replies/` is `wrong_direction`, a
 * topic containing U+0000 is `malformed_topic` [MQTT-1.5.3-2].
 * @example checkPublish('a', 'onboard/v1/devices/b/requests/verification') // 'cross_device'
 */
export function checkPublish(deviceId: string, topic: string): AclDecision {
  if (hasNullCharacter(topic)) return 'malformed_topic';
  const owner = subtreeOwner(topic);
  if (owner === undefined) return 'outside_subtree';
  if (owner !== deviceId) return 'cross_device';
  const rest = topic.slice(TOPIC_ROOT.length + deviceId.length + 2);
  return rest.startsWith(`${REQUESTS_LEVEL}/`) ? 'allowed' : 'wrong_direction';
}

/**
 * May `deviceId` subscribe to `filter`? The filter must start with the device's own subtree,
 * literally (no wildcard before it, so it cannot match another device's topics); `+` and `#`
 * are allowed after it. Filters on the root with a wildcard in the device level are
 * `wildcard_escape`.
 * @example checkSubscribe('a', 'onboard/v1/devices/a/replies/+') // 'allowed'
 * @example checkSubscribe('a', 'onboard/v1/devices/+/replies/+') // 'wildcard_escape'
 */
export function checkSubscribe(deviceId: string, filter: string): AclDecision {
  if (hasNullCharacter(filter)) return 'malformed_topic';
  const levels = filter.split('/');
  const rootLevels = TOPIC_ROOT.split('/');
  for (let i = 0; i < rootLevels.length; i++) {
    const level = levels[i];
    if (level === undefined) return 'outside_subtree';
    if (level === '#' || level === '+') return 'wildcard_escape';
    if (level !== rootLevels[i]) return 'outside_subtree';
  }
  const owner = levels[rootLevels.length];
  if (owner === undefined || owner === '') return 'outside_subtree';
  if (owner === '#' || owner === '+') return 'wildcard_escape';
  if (owner !== deviceId) return isValidDeviceId(owner) ? 'cross_device' : 'outside_subtree';
  // A filter naming only the subtree itself (`.../devices/{id}`) matches a topic nobody uses: allowed.
  return 'allowed';
}

/**
 * True when `topic` (a concrete topic) lies in `deviceId`'s subtree; used to filter deliveries
 * as a second line of defence.
 */
export function isInSubtree(deviceId: string, topic: string): boolean {
  return subtreeOwner(topic) === deviceId;
}

function subtreeOwner(topic: string): string | undefined {
  if (!topic.startsWith(`${TOPIC_ROOT}/`)) return undefined;
  const start = TOPIC_ROOT.length + 1;
  const end = topic.indexOf('/', start);
  if (end === -1) return undefined;
  const owner = topic.slice(start, end);
  return isValidDeviceId(owner) ? owner : undefined;
}
