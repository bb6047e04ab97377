import {
  authenticateOwnerDevice,
  renderHttpError,
  toViews,
  type AuthRequest,
  type OwnerNotifier,
  type ProviderContext,
  type WireRequest,
  type WireResponse,
} from '@onboard/ciba-core';

/** One open live channel: receives Server-Sent Events frames (`event: …\ndata: …\n\n`). */
export type LiveListener = (frame: string) => void;

/**
 * The live channel's hub (this process): open owner apps by owner. A new request for the
 * owner is sent to each of their open apps as `event: request.created` with the request as
 * the app's list shows it; a request answered, expired or consumed as `event:
 * request.updated` `{id, status}`, so every open app of the owner closes or updates it. It
 * is an OwnerNotifier of its own, composed with the others.
 */
export class LiveChannel implements OwnerNotifier {
  private readonly listeners = new Map<string, Set<LiveListener>>();

  constructor(private readonly ctx: ProviderContext) {}

  subscribe(sub: string, listener: LiveListener): () => void {
    let set = this.listeners.get(sub);
    if (!set) this.listeners.set(sub, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(sub);
    };
  }

  /** Open channels of `sub` (for tests and metrics). */
  count(sub: string): number {
    return this.listeners.get(sub)?.size ?? 0;
  }

  async announce(request: AuthRequest): Promise<void> {
    const set = this.listeners.get(request.sub);
    if (!set || set.size === 0) return;
    const [view] = await toViews(this.ctx, [request]);
    this.send(set, 'request.created', view);
  }

  /** `event: request.updated` `{id, status}` to the owner's open apps. */
  announceUpdate(request: AuthRequest): void {
    const set = this.listeners.get(request.sub);
    if (!set || set.size === 0) return;
    this.send(set, 'request.updated', { id: request.id, status: request.status });
  }

  notify(request: AuthRequest): Promise<void> {
    return this.announce(request);
  }

  updated(request: AuthRequest): void {
    this.announceUpdate(request);
  }

  private send(set: Set<LiveListener>, event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const listener of set) listener(frame);
  }
}

/**
 * `GET /events`: authenticates the owner app like every call; on success answers `undefined`
 * and the caller opens the stream, else the error response to send.
 */
export async function authenticateLiveChannel(
  ctx: ProviderContext,
  req: WireRequest,
): Promise<{ sub: string } | { error: WireResponse }> {
  try {
    const { owner } = await authenticateOwnerDevice(ctx, req);
    return { sub: owner.sub };
  } catch (error) {
    return { error: renderHttpError(error, ctx.logger) };
  }
}
