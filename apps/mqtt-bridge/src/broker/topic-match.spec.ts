import { topicMatches } from './topic-match';

describe('topic filter matching', () => {
  const topic = 'onboard/v1/devices/a/replies/result';

  it('matches literal filters and single-level wildcards', () => {
    expect(topicMatches(topic, topic)).toBe(true);
    expect(topicMatches('onboard/v1/devices/a/replies/+', topic)).toBe(true);
    expect(topicMatches('onboard/v1/devices/+/replies/+', topic)).toBe(true);
    expect(topicMatches('onboard/v1/devices/a/replies/ack', topic)).toBe(false);
    expect(topicMatches('onboard/v1/devices/a/+', topic)).toBe(false);
  });

  it('matches a multi-level wildcard only at the end, including the parent level', () => {
    expect(topicMatches('onboard/v1/devices/a/#', topic)).toBe(true);
    expect(topicMatches('#', topic)).toBe(true);
    expect(topicMatches('onboard/v1/devices/a/replies/result/#', topic)).toBe(true);
    expect(topicMatches('onboard/#/result', topic)).toBe(false);
    expect(topicMatches('onboard/v1/devices/b/#', topic)).toBe(false);
  });
});
