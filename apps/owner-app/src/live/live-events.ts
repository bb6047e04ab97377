/**
 * The live channel: one EventSource on the owner-device API's `/events` (Server-Sent
 * Events, cookie session). The browser retries a dropped stream by itself; when it
 * gives up (an HTTP error closes the stream for good) we reconnect with a growing
 * delay. Every (re)open is announced as `open`, so lists reload what they missed.
 */
import type { RequestUpdate, RequestView } from '../api/types';

export type LiveEvent =
  | { type: 'open' }
  | { type: 'request.created'; request: RequestView }
  | { type: 'request.updated'; update: RequestUpdate };

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveEvents {
  subscribe(listener: (event: LiveEvent) => void): () => void;
}

/** Delay before reconnect attempt `n` (0-based): 1 s doubling to 30 s. */
export const reconnectDelay = (attempt: number) => Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));

function parse<T>(data: string): T | undefined {
  try {
    return JSON.parse(data) as T;
  } catch {
    return undefined;
  }
}

export function connectLive(url: string, onState: (state: LiveState) => void): LiveEvents & { close(): void } {
  const listeners = new Set<(event: LiveEvent) => void>();
  const emit = (event: LiveEvent) => listeners.forEach((l) => l(event));
  let source: EventSource | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let closed = false;

  const open = () => {
    onState(attempt === 0 ? 'connecting' : 'reconnecting');
    source = new EventSource(url);
    source.onopen = () => {
      attempt = 0;
      onState('live');
      emit({ type: 'open' });
    };
    source.addEventListener('request.created', (e) => {
      const request = parse<RequestView>((e as MessageEvent<string>).data);
      if (request?.id) emit({ type: 'request.created', request });
    });
    source.addEventListener('request.updated', (e) => {
      const update = parse<RequestUpdate>((e as MessageEvent<string>).data);
      if (update?.id) emit({ type: 'request.updated', update });
    });
    source.onerror = () => {
      if (closed || !source) return;
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        timer = setTimeout(open, reconnectDelay(attempt++));
      }
      onState('reconnecting');
    };
  };
  open();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      source?.close();
      onState('closed');
    },
  };
}
