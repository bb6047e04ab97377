import { deviceSubtree, isValidDeviceId, parseTopic, replySubscription, replyTopic, requestTopic } from './topics';

describe('topic scheme', () => {
  it('builds request and reply topics under the device subtree', () => {
    expect(deviceSubtree('hu-1')).toBe('onboard/v1/devices/hu-1/');
    expect(requestTopic('hu-1', 'verification')).toBe('onboard/v1/devices/hu-1/requests/verification');
    expect(replyTopic('hu-1', 'error')).toBe('onboard/v1/devices/hu-1/replies/error');
    expect(replySubscription('hu-1')).toBe('onboard/v1/devices/hu-1/replies/+');
  });

  it('refuses to build a topic for a device id that could escape its level', () => {
    for (const bad of ['', 'a/b', '+', '#', 'a+b', '$SYS', '-lead', 'x'.repeat(65), 'ü']) {
      expect(() => requestTopic(bad, 'cancel')).toThrow(TypeError);
    }
  });

  it('accepts opaque ids of letters, digits, dash and underscore up to 64 characters', () => {
    expect(isValidDeviceId('A9_b-c')).toBe(true);
    expect(isValidDeviceId('x'.repeat(64))).toBe(true);
    expect(isValidDeviceId(42)).toBe(false);
  });

  it('parses a request topic into device id and message type', () => {
    expect(parseTopic('onboard/v1/devices/hu-1/requests/cancel')).toEqual({
      direction: 'request',
      deviceId: 'hu-1',
      type: 'cancel',
      level: 'cancel',
    });
    expect(parseTopic('onboard/v1/devices/hu-1/replies/result')).toMatchObject({ direction: 'reply', type: 'result' });
  });

  it('keeps an unknown last level visible but without a type', () => {
    expect(parseTopic('onboard/v1/devices/hu-1/requests/launch')).toEqual({
      direction: 'request',
      deviceId: 'hu-1',
      type: undefined,
      level: 'launch',
    });
  });

  it('returns undefined for topics outside the scheme', () => {
    for (const topic of [
      'onboard/v2/devices/hu-1/requests/cancel',
      'onboard/v1/devices/hu-1/requests',
      'onboard/v1/devices/bad.id/requests/cancel',
      'onboard/v1/devices/hu-1/other/cancel',
      '',
      '/////',
    ]) {
      expect(parseTopic(topic)).toBeUndefined();
    }
  });

  it('reads a topic deeper than a message type as no message type, keeping every level below the group', () => {
    expect(parseTopic('onboard/v1/devices/hu-1/requests/cancel/extra')).toEqual({
      direction: 'request',
      deviceId: 'hu-1',
      type: undefined,
      level: 'cancel/extra',
    });
  });

  it('does not treat inherited object names as message types', () => {
    expect(parseTopic('onboard/v1/devices/hu-1/requests/constructor')?.type).toBeUndefined();
  });
});
