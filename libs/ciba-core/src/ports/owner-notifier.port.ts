import type { AuthRequest } from '../domain/auth-request';

/**
 * Policy hook: tell an owner's authentication device(s) that a request waits, and that one
 * was answered or expired. Notifiers compose (see `composeOwnerNotifiers`): the live channel,
 * Web Push, a webhook to the bank's or OEM's own app.
 */
export interface OwnerNotifier {
  /**
   * A new request. Runs after the backchannel acknowledgement is decided, never blocks it; a
   * throw is logged and does not fail the client's request. The default implementation wakes
   * long-polling owner devices in this process.
   */
  notify(request: AuthRequest): void | Promise<void>;
  /**
   * The request left `pending` (approved, denied, expired; `consumed` for a push client's
   * approval): the owner's other open apps update. Runs after the change is committed; a
   * throw is logged and changes nothing.
   */
  updated?(request: AuthRequest): void | Promise<void>;
}

/**
 * One notifier made of several, called in order; each one's failure is reported to `onError`
 * and never stops the others (one push service down must not silence the live channel).
 *
 * @example
 * ctx.notifier = composeOwnerNotifiers([signalsNotifier, liveChannel, webPush], (err) => log(err));
 */
export function composeOwnerNotifiers(
  notifiers: OwnerNotifier[],
  onError: (error: unknown, request: AuthRequest) => void,
): OwnerNotifier {
  const each = async (request: AuthRequest, call: (n: OwnerNotifier) => void | Promise<void>) => {
    await Promise.all(
      notifiers.map(async (notifier) => {
        try {
          await call(notifier);
        } catch (error) {
          onError(error, request);
        }
      }),
    );
  };
  return {
    notify: (request) => each(request, (n) => n.notify(request)),
    updated: (request) => each(request, (n) => n.updated?.(request)),
  };
}

type NotifierHost = {
  notifier: OwnerNotifier;
  logger: { warn(message: string, fields?: Record<string, unknown>): void };
};

/**
 * Run one notifier call for `request` without waiting for it: a throw or a rejection is logged
 * as `message` with the request id and the error (never the payload), and goes no further.
 */
export function fireOwnerNotifier(
  ctx: NotifierHost,
  request: AuthRequest,
  message: string,
  call: (notifier: OwnerNotifier) => void | Promise<void>,
): void {
  const logFailure = (err: unknown) =>
    ctx.logger.warn(message, {
      authRequestId: request.id,
      errorName: (err as Error | undefined)?.name,
      errorMessage: (err as Error | undefined)?.message,
    });
  try {
    const pending = call(ctx.notifier);
    if (pending) pending.catch(logFailure);
  } catch (err) {
    logFailure(err);
  }
}

/** Tell the owner's apps that `request` was answered or expired; never throws. */
export function announceAuthRequestUpdate(ctx: NotifierHost, request: AuthRequest): void {
  fireOwnerNotifier(ctx, request, 'owner update notification failed', (n) => n.updated?.(request));
}
