/**
 * True when the MQTT topic filter `filter` matches the concrete topic `topic`
 * (MQTT 3.1.1 §4.7: `+` matches one level, a trailing `#` the rest, including the parent level).
 * @example topicMatches('onboard/v1/devices/a/replies/+', 'onboard/v1/devices/a/replies/result') // true
 */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return i === f.length - 1;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
