import { checkPublish, checkSubscribe, isInSubtree } from './acl';

describe('device topic access rules', () => {
  it('lets a device publish only under its own requests level', () => {
    expect(checkPublish('a', 'onboard/v1/devices/a/requests/verification')).toBe('allowed');
    expect(checkPublish('a', 'onboard/v1/devices/a/requests/anything')).toBe('allowed');
    expect(checkPublish('a', 'onboard/v1/devices/a/replies/result')).toBe('wrong_direction');
    expect(checkPublish('a', 'onboard/v1/devices/a/other')).toBe('wrong_direction');
  });

  it('names publishing into another device subtree a cross-device attempt', () => {
    expect(checkPublish('a', 'onboard/v1/devices/b/requests/verification')).toBe('cross_device');
    expect(checkPublish('a', 'onboard/v1/devices/ab/requests/verification')).toBe('cross_device');
  });

  it('refuses topics outside the scheme, including $SYS and other versions', () => {
    for (const topic of [
      '$SYS/broker/x',
      'onboard/v2/devices/a/requests/cancel',
      'onboard/v1/devices/a',
      'other',
      'onboard/v1/devices//x',
    ]) {
      expect(checkPublish('a', topic)).toBe('outside_subtree');
    }
  });

  it('lets a device subscribe to filters that stay inside its subtree', () => {
    for (const filter of [
      'onboard/v1/devices/a/replies/+',
      'onboard/v1/devices/a/replies/result',
      'onboard/v1/devices/a/#',
      'onboard/v1/devices/a/+/+',
    ]) {
      expect(checkSubscribe('a', filter)).toBe('allowed');
    }
  });

  it('refuses wildcards placed before the device level', () => {
    for (const filter of [
      '#',
      '+/v1/devices/a/replies/+',
      'onboard/#',
      'onboard/v1/devices/+/replies/+',
      'onboard/v1/devices/#',
      'onboard/+/devices/a/#',
    ]) {
      expect(checkSubscribe('a', filter)).toBe('wildcard_escape');
    }
  });

  it('refuses subscribing to another device subtree as a cross-device attempt', () => {
    expect(checkSubscribe('a', 'onboard/v1/devices/b/replies/+')).toBe('cross_device');
    expect(checkSubscribe('a', 'onboard/v1/devices/b/#')).toBe('cross_device');
  });

  it('refuses shared-subscription and system filters', () => {
    expect(checkSubscribe('a', '$share/g/onboard/v1/devices/a/replies/+')).toBe('outside_subtree');
    expect(checkSubscribe('a', '$SYS/#')).toBe('outside_subtree');
    expect(checkSubscribe('a', 'onboard/v1/devices')).toBe('outside_subtree');
  });

  it('refuses a topic or filter containing U+0000 as malformed, even in the device subtree [MQTT-1.5.3-2]', () => {
    expect(checkPublish('a', 'onboard/v1/devices/a/requests/cancel\u0000')).toBe('malformed_topic');
    expect(checkSubscribe('a', 'onboard/v1/devices/a/replies/\u0000')).toBe('malformed_topic');
  });

  it('tells whether a concrete topic lies in a device subtree', () => {
    expect(isInSubtree('a', 'onboard/v1/devices/a/replies/ack')).toBe(true);
    expect(isInSubtree('a', 'onboard/v1/devices/ab/replies/ack')).toBe(false);
  });
});
