import pino, { type DestinationStream, type Logger as PinoLogger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import type { Logger } from './logger.port';
import { REDACTED, redact, redactText } from './redact';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lowest level written (default `info`); `silent` writes nothing. */
  level?: LogLevel;
  /**
   * Where each line goes: one call per event, one JSON line ending with `\n`. Default:
   * stdout, as JSON lines, or pretty-printed (pino-pretty) when stdout is a terminal.
   */
  write?: (line: string) => void;
  /** Pretty-print instead of JSON lines (default: when `write` is absent and stdout is a TTY). */
  pretty?: boolean;
  /** Time source (default: Date.now). */
  now?: () => number;
  /** Fields added to every line (e.g. `{ service: 'ciba-provider' }`). */
  base?: Record<string, unknown>;
  /**
   * More fields to mask, by path (pino's `redact` paths, e.g. `req.headers.x-api-key`), on
   * top of the fields masked by name wherever they are ({@link isSecretKey}).
   */
  redactPaths?: string[];
}

/** The {@link Logger} port plus what a composition root needs: level checks and child loggers. */
export interface AppLogger extends Logger {
  /** Whether `level` is written (to skip building costly fields on a hot path). */
  isEnabled(level: Exclude<LogLevel, 'silent'>): boolean;
  /** A logger that adds `fields` to every line (a request id, a component name). */
  child(fields: Record<string, unknown>): AppLogger;
}

/** Fields that only the logger writes: a field of the same name is dropped. */
const RESERVED = new Set(['time', 'level', 'msg']);

function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out = redact(fields) as Record<string, unknown>;
  for (const key of RESERVED) delete out[key];
  return out;
}

let stdoutDestination: DestinationStream | undefined;
/** One asynchronous stdout writer per process (pino flushes it on exit). */
function stdout(): DestinationStream {
  stdoutDestination ??= pino.destination({ dest: 1, sync: false });
  return stdoutDestination;
}

function wrap(logger: PinoLogger): AppLogger {
  const log =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (!logger.isLevelEnabled(level)) return;
      // Secrets that slipped into the message text (a JWT, a bearer credential, an e-mail address).
      if (fields === undefined) logger[level](redactText(msg));
      else logger[level](fields, redactText(msg));
    };
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    isEnabled: (level) => logger.isLevelEnabled(level),
    // pino formats a child's bindings once, here, without the root's `bindings` formatter.
    child: (fields) => wrap(logger.child(safeFields(fields))),
  };
}

/**
 * The Logger port over pino: one JSON line per event, `{"level":"info","time":"…ISO…",…fields,
 * "msg":"…"}`, or pino-pretty's coloured lines on a terminal. Every line passes through
 * {@link redact} (fields named like secrets, tokens or personal data are masked at any depth,
 * JWTs, bearer credentials and e-mail addresses inside strings too) and the message through
 * {@link redactText}, so a caller that forgets cannot leak them (the port's rule).
 *
 * @example
 * const logger = createLogger({ level: 'info', base: { service: 'ciba-provider' } });
 * logger.info('listening', { url: 'http://localhost:4000' });
 * const requestLogger = logger.child({ reqId: '3f2a…' });
 */
export function createLogger(options: LoggerOptions = {}): AppLogger {
  const now = options.now ?? Date.now;
  const pretty = options.pretty ?? (options.write === undefined && process.stdout.isTTY === true);
  let destination: DestinationStream;
  if (pretty) {
    // Formatted in this thread, line by line (no transport worker), after redaction.
    const prettify = prettyFactory({ colorize: options.write === undefined });
    const write = options.write ?? ((line: string) => void process.stdout.write(line));
    destination = { write: (line: string) => write(prettify(line)) };
  } else if (options.write) {
    const write = options.write;
    destination = { write: (line: string) => write(line) };
  } else {
    destination = stdout();
  }
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: options.base ?? null,
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        bindings: safeFields,
        log: safeFields,
      },
      ...(options.redactPaths?.length ? { redact: { paths: options.redactPaths, censor: REDACTED } } : {}),
    },
    destination,
  );
  return wrap(logger);
}
