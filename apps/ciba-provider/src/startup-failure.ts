import { ConfigError } from '@onboard/config';
import { DatabaseOpenError } from '@onboard/sql-kit';

/**
 * The line a start script prints when start-up fails: a bad setting or a database that
 * cannot be used is named with its cause, in one line; anything unexpected with its stack.
 *
 * @example
 * main().catch((error) => { process.stderr.write(startupFailure(error)); process.exit(1); });
 */
export function startupFailure(error: unknown): string {
  if (error instanceof ConfigError) return `configuration error: ${error.message}\n`;
  if (error instanceof DatabaseOpenError) return `start-up failed: ${error.message}\n`;
  return `start-up failed: ${(error as Error)?.stack ?? String(error)}\n`;
}
