import { DEVICE_ID_PATTERN } from './limits';

/**
 * The versioned topic scheme (docs/protocol.md, "Topics"). Every topic of a device lives under its
 * own subtree `onboard/v1/devices/{deviceId}/`, which carries no personal data: the device id is
 * an opaque identifier chosen at registration.
 *
 * - device → bridge: `onboard/v1/devices/{deviceId}/requests/{verification|cancel|refresh|result-ack}`
 * - bridge → device: `onboard/v1/devices/{deviceId}/replies/{ack|status|result|error}`
 */

/** Protocol version carried in the topic. */
export const PROTOCOL_VERSION = 'v1';
/** Root of every device subtree. */
export const TOPIC_ROOT = `onboard/${PROTOCOL_VERSION}/devices`;

/** Messages a device publishes (the last topic level). */
export const DEVICE_MESSAGE_TYPES = ['verification', 'cancel', 'refresh', 'result-ack'] as const;
export type DeviceMessageType = (typeof DEVICE_MESSAGE_TYPES)[number];

/** Messages the bridge publishes to a device (the last topic level). */
export const BRIDGE_MESSAGE_TYPES = ['ack', 'status', 'result', 'error'] as const;
export type BridgeMessageType = (typeof BRIDGE_MESSAGE_TYPES)[number];

/** Topic level that groups the device's own publications. */
export const REQUESTS_LEVEL = 'requests';
/** Topic level that groups the bridge's publications to the device. */
export const REPLIES_LEVEL = 'replies';

const deviceTypes: ReadonlySet<string> = new Set(DEVICE_MESSAGE_TYPES);
const bridgeTypes: ReadonlySet<string> = new Set(BRIDGE_MESSAGE_TYPES);

/** True for a syntactically valid device id (see {@link DEVICE_ID_PATTERN}). */
export function isValidDeviceId(value: unknown): value is string {
  return typeof value === 'string' && DEVICE_ID_PATTERN.test(value);
}

/**
 * The device's subtree prefix, with its trailing slash.
 * @example deviceSubtree('hu-7f3a') // 'onboard/v1/devices/hu-7f3a/'
 */
export function deviceSubtree(deviceId: string): string {
  assertDeviceId(deviceId);
  return `${TOPIC_ROOT}/${deviceId}/`;
}

/**
 * Topic a device publishes a message of `type` on.
 * @example requestTopic('hu-7f3a', 'verification') // 'onboard/v1/devices/hu-7f3a/requests/verification'
 */
export function requestTopic(deviceId: string, type: DeviceMessageType): string {
  return `${deviceSubtree(deviceId)}${REQUESTS_LEVEL}/${type}`;
}

/**
 * Topic the bridge publishes a message of `type` to the device on.
 * @example replyTopic('hu-7f3a', 'result') // 'onboard/v1/devices/hu-7f3a/replies/result'
 */
export function replyTopic(deviceId: string, type: BridgeMessageType): string {
  return `${deviceSubtree(deviceId)}${REPLIES_LEVEL}/${type}`;
}

/**
 * The one subscription a device needs: every reply addressed to it.
 * @example replySubscription('hu-7f3a') // 'onboard/v1/devices/hu-7f3a/replies/+'
 */
export function replySubscription(deviceId: string): string {
  return `${deviceSubtree(deviceId)}${REPLIES_LEVEL}/+`;
}

/** A topic of the scheme, taken apart. `type` is undefined when the last level is not a known message type. */
export type ParsedTopic =
  | { direction: 'request'; deviceId: string; type: DeviceMessageType | undefined; level: string }
  | { direction: 'reply'; deviceId: string; type: BridgeMessageType | undefined; level: string };

/**
 * Takes a concrete topic (no wildcards) of the scheme apart; returns undefined for anything that is
 * not `onboard/v1/devices/{deviceId}/{requests|replies}/{level...}` with a valid device id. A topic
 * with more levels below `requests/` or `replies/` is no message type: `type` is undefined and
 * `level` holds every level below the group (docs/protocol.md §7, `unknown_message_type`).
 * @example parseTopic('onboard/v1/devices/hu-7f3a/requests/cancel')
 * // { direction: 'request', deviceId: 'hu-7f3a', type: 'cancel', level: 'cancel' }
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length < 6) return undefined;
  const [root, version, devices, deviceId, group] = parts;
  if (`${root}/${version}/${devices}` !== TOPIC_ROOT || !isValidDeviceId(deviceId)) return undefined;
  // a deeper topic is no message type, whatever its first level below the group
  const level = parts.slice(5).join('/');
  if (group === REQUESTS_LEVEL) {
    return {
      direction: 'request',
      deviceId,
      type: deviceTypes.has(level) ? (level as DeviceMessageType) : undefined,
      level,
    };
  }
  if (group === REPLIES_LEVEL) {
    return {
      direction: 'reply',
      deviceId,
      type: bridgeTypes.has(level) ? (level as BridgeMessageType) : undefined,
      level,
    };
  }
  return undefined;
}

function assertDeviceId(deviceId: string): void {
  if (!isValidDeviceId(deviceId)) throw new TypeError('invalid device id');
}
