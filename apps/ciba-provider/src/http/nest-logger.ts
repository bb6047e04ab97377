import type { LoggerService } from '@nestjs/common';
import type { Logger } from '@onboard/platform';

function text(message: unknown): string {
  if (message instanceof Error) return message.message;
  return typeof message === 'string' ? message : JSON.stringify(message);
}

/** Nest's own log output, as JSON lines through the app's Logger (route mapping lines at debug). */
export class NestJsonLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.logger.debug(text(message), { source: 'nest', context: rest.at(-1) });
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.logger.error(text(message), { source: 'nest', detail: rest });
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.logger.warn(text(message), { source: 'nest', context: rest.at(-1) });
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.logger.debug(text(message), { source: 'nest', context: rest.at(-1) });
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.logger.debug(text(message), { source: 'nest', context: rest.at(-1) });
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.logger.error(text(message), { source: 'nest', detail: rest });
  }
}
