/** One message a broker-wide subscriber saw. */
export interface Overheard {
  topic: string;
  payload: string;
}

/**
 * What a subscriber to `#` can read in clear: every topic and payload, and inside payloads every
 * compact JWS whose claims decode (a readable JWT: an ID token, an access token, a request object,
 * a client assertion, a DPoP proof). Returns the findings as sentences; none is the goal.
 * A compact JWE's segments are ciphertext (its header names only algorithms and a key id).
 */
export function readableSecrets(overheard: Overheard[], secrets: Record<string, string | undefined>): string[] {
  const findings: string[] = [];
  for (const { topic, payload } of overheard) {
    for (const [name, value] of Object.entries(secrets)) {
      if (value === undefined || value === '') continue;
      if (topic.includes(value)) findings.push(`${name} in the topic ${topic}`);
      if (payload.includes(value)) findings.push(`${name} in a payload on ${topic}`);
    }
    for (const jws of payload.match(/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g) ?? []) {
      const parts = jws.split('.');
      if (parts.length !== 3) continue;
      const claims = decodeJson(parts[1]);
      if (claims !== undefined) findings.push(`a readable JWT (claims ${Object.keys(claims).join(', ')}) on ${topic}`);
    }
  }
  return findings;
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
