/**
 * An error meant for an HTTP caller: a stable `code` (the body's `error`), an HTTP `status`,
 * whether its description may be shown (`expose`), and extra response `headers`
 * (`WWW-Authenticate`, `Retry-After`…). The protocol cores' error hierarchies extend it
 * (ciba-core's `OAuthError`, named after RFC 6749's codes), so one renderer per transport
 * ({@link renderApiError} for HTTP) serves every app. Libraries never throw framework
 * exceptions.
 *
 * @example
 * class NotFound extends ApiError {
 *   readonly code = 'not_found';
 *   override readonly status = 404;
 * }
 * throw new NotFound('no such device');
 */
export abstract class ApiError extends Error {
  /** The body's `error`: a stable code callers can switch on. */
  abstract readonly code: string;
  /** HTTP status for the HTTP renderer. */
  readonly status: number = 400;
  /** Whether the description may be shown to the caller as `error_description`. */
  readonly expose: boolean = true;
  /** Extra response headers (e.g. `WWW-Authenticate`, `Retry-After`). */
  headers: Record<string, string> = {};

  constructor(description?: string) {
    super(description ?? '');
    this.name = new.target.name;
  }

  /** What went wrong, for `error_description` (the Error's message). */
  get description(): string {
    return this.message;
  }
}
