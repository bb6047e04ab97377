/**
 * Reading single environment values, shared by the provider's and the bridge's config:
 * each reader names the variable in the error it throws.
 */

/** Shortest admin or metrics token accepted (provider and bridge): it guards the whole admin API. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/** Log levels, most verbose first; `silent` drops everything. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A configuration value is missing or malformed. The message names the variable. */
export class ConfigError extends Error {
  constructor(
    /** The environment variable at fault. */
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A value, trimmed; empty counts as unset. */
export function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `expected true or false, got '${raw}'`);
}

/** `LOG_LEVEL`, default `info`. */
export function logLevel(env: Env): LogLevel {
  const value = (read(env, 'LOG_LEVEL') ?? 'info').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got '${value}'`);
  }
  return value as LogLevel;
}

/** A database URL: `sqlite:<file>`, `sqlite::memory:` or `postgres://…`. */
export function databaseUrl(name: string, raw: string): string {
  if (raw.startsWith('sqlite:') && raw.length > 'sqlite:'.length) return raw;
  if (/^postgres(ql)?:\/\/./.test(raw)) return raw;
  throw new ConfigError(name, `expected sqlite:<file>, sqlite::memory: or postgres://…, got '${raw}'`);
}
