import type { Logger } from '@onboard/ciba-core';
import { redact, redactText } from './redact';

export type JsonLogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const RANK: Record<JsonLogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written (default `info`); `silent` writes nothing. */
  level?: JsonLogLevel;
  /** Where each line goes (default: process.stdout). One call per event, the line ends with `\n`. */
  write?: (line: string) => void;
  /** Time source (default: Date.now). */
  now?: () => number;
  /** Fields added to every line (e.g. `{ service: 'ciba-provider' }`). */
  base?: Record<string, unknown>;
}

/** A Logger that can also tell whether a level is enabled (to skip building costly fields). */
export interface JsonLogger extends Logger {
  isEnabled(level: Exclude<JsonLogLevel, 'silent'>): boolean;
  /** A logger that adds `fields` to every line. */
  child(fields: Record<string, unknown>): JsonLogger;
}

/**
 * The Logger port as one JSON line per event: `{time, level, msg, ...fields}`.
 * Every line passes through {@link redact}, so secret-looking fields are masked
 * even when a caller forgets (the port's rule: no tokens or secrets in logs).
 *
 * @example
 * const logger = createJsonLogger({ level: 'info' });
 * logger.info('listening', { url: 'http://localhost:4000' });
 * // {"time":"2026-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"http://localhost:4000"}
 */
export function createJsonLogger(options: JsonLoggerOptions = {}): JsonLogger {
  const threshold = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? Date.now;
  const base = options.base ?? {};

  const make = (bound: Record<string, unknown>): JsonLogger => {
    const log = (level: Exclude<JsonLogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>) => {
      if (RANK[level] < threshold) return;
      // time, level and msg come first and are never overwritten by a field of the same name.
      const { time: _t, level: _l, msg: _m, ...safe } = redact({ ...bound, ...fields }) as Record<string, unknown>;
      const line = { time: new Date(now()).toISOString(), level, msg: redactText(msg), ...safe };
      let text: string;
      try {
        text = JSON.stringify(line);
      } catch {
        text = JSON.stringify({ time: line.time, level, msg: line.msg, logError: 'fields not serialisable' });
      }
      write(`${text}\n`);
    };
    return {
      debug: (msg, fields) => log('debug', msg, fields),
      info: (msg, fields) => log('info', msg, fields),
      warn: (msg, fields) => log('warn', msg, fields),
      error: (msg, fields) => log('error', msg, fields),
      isEnabled: (level) => RANK[level] >= threshold,
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(base);
}
