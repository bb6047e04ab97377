/**
 * Where the library reports what it does. Fields never contain tokens, keys, credentials or
 * request objects; they carry the device id, request ids and error codes.
 * @example
 * const logger: DeviceClientLogger = {
 *   debug: () => {},
 *   info: (msg, fields) => console.log(msg, fields),
 *   warn: (msg, fields) => console.warn(msg, fields),
 *   error: (msg, fields) => console.error(msg, fields),
 * };
 */
export interface DeviceClientLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** The default logger: silent. */
export const silentLogger: DeviceClientLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
