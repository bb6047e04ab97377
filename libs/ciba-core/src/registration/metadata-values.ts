import type { ProviderSettings } from '../settings';
import { InvalidClientMetadata } from '../errors/oauth-error';
import { outboundGuardFor } from '../outbound-policy';

/** Raw RFC 7591 client metadata as posted (JSON object). */
export type RawMetadata = Record<string, unknown>;

const MAX_STRING = 2048;

export function optionalString(raw: RawMetadata, name: string): string | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > MAX_STRING) {
    throw new InvalidClientMetadata(`${name} must be a non-empty string`);
  }
  return value;
}

export function optionalBoolean(raw: RawMetadata, name: string): boolean | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new InvalidClientMetadata(`${name} must be a boolean`);
  return value;
}

export function optionalStringArray(raw: RawMetadata, name: string): string[] | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length > 32 || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw new InvalidClientMetadata(`${name} must be an array of strings`);
  }
  return value as string[];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * An absolute https URL without fragment; http only for loopback hosts when the
 * deployment allows it for development (settings.allowLoopbackHttpNotifications).
 * Returns an error text, or undefined when acceptable.
 */
export function urlProblem(value: string, settings: ProviderSettings): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'is not an absolute URL';
  }
  if (url.hash !== '' || value.includes('#')) return 'must not contain a fragment';
  if (url.username !== '' || url.password !== '') return 'must not contain credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && settings.allowLoopbackHttpNotifications && LOOPBACK_HOSTS.has(url.hostname)) {
    return undefined;
  }
  return 'must use https';
}

/**
 * Why the provider must not send requests to the URL `value` (server-side request forgery):
 * its host is an address literal the outbound policy refuses (private, loopback, link-local,
 * unique-local, IPv4-mapped, metadata…), `localhost`, or a cloud metadata name. A host name
 * is checked again on each address it resolves to when the provider connects. Returns an
 * error text, or undefined when acceptable (or not a URL: urlProblem says so).
 */
export function outboundTargetProblem(value: string, settings: ProviderSettings): string | undefined {
  let host: string;
  try {
    host = new URL(value).hostname;
  } catch {
    return undefined;
  }
  const reason = outboundGuardFor(settings).checkHost(host);
  return reason === undefined ? undefined : `must not target ${host}: ${reason}`;
}
