import { InvalidRequest } from '../errors/oauth-error';
import type { WireRequest } from '../wire/wire';

/** Upper bound on a single form parameter's value. */
export const MAX_PARAM_LENGTH = 64 * 1024;

function mediaType(req: WireRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * Parse an `application/x-www-form-urlencoded` body (RFC 6749 §3.2, §4.1.3 / CIBA §7.1).
 * Duplicated parameters are rejected (RFC 6749 §3.1: parameters MUST NOT be included
 * more than once); empty values count as absent (RFC 6749 §3.1).
 */
export function parseForm(req: WireRequest): Map<string, string> {
  if (req.method !== 'POST') throw new InvalidRequest('only POST is supported');
  if (mediaType(req) !== 'application/x-www-form-urlencoded') {
    throw new InvalidRequest('content type must be application/x-www-form-urlencoded');
  }
  const text = (req.rawBody ?? Buffer.alloc(0)).toString('utf8');
  if (text.includes('\uFFFD')) throw new InvalidRequest('body is not valid UTF-8');
  const form = new Map<string, string>();
  const seen = new Set<string>();
  for (const [key, value] of new URLSearchParams(text)) {
    if (seen.has(key)) {
      throw new InvalidRequest(`parameter '${key.slice(0, 64)}' is included more than once`);
    }
    seen.add(key);
    if (value.length > MAX_PARAM_LENGTH) throw new InvalidRequest(`parameter '${key.slice(0, 64)}' is too long`);
    if (value === '') continue;
    form.set(key, value);
  }
  return form;
}

/** Parse a JSON object body (owner-device and admin APIs, DCR per RFC 7591 §3.1). */
export function parseJsonBody(req: WireRequest): Record<string, unknown> {
  if (mediaType(req) !== 'application/json') throw new InvalidRequest('content type must be application/json');
  let value: unknown;
  try {
    value = JSON.parse((req.rawBody ?? Buffer.alloc(0)).toString('utf8'));
  } catch {
    throw new InvalidRequest('body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidRequest('body must be a JSON object');
  }
  return value as Record<string, unknown>;
}
