import { Presets, SingleBar } from 'cli-progress';
import type { Recorder, TimelinePoint } from './recorder';

/** What the run shows while it goes. */
export interface LiveDisplay {
  /** A step before the flows (provisioning, connecting). */
  stage(text: string): void;
  /** Once a second during the flows. */
  update(point: TimelinePoint, recorder: Recorder): void;
  stop(): void;
}

export interface DisplayOptions {
  /** Where it writes: stderr, so stdout keeps the results. */
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Flows to run (`--count`), or undefined for a duration. */
  total?: number;
  /** Seconds to run (`--duration`), for the bar's length when no count. */
  durationSeconds?: number;
  /** Seconds between plain lines (no terminal). */
  lineEverySeconds?: number;
  /** Force a mode; default: a bar on a terminal, lines otherwise. */
  mode?: 'bar' | 'lines';
}

function fields(point: TimelinePoint, recorder: Recorder) {
  const o = recorder.outcomes;
  const ms = (n: number) => `${Math.round(n)}ms`;
  const e2e = recorder.current('end_to_end');
  return {
    approved: o.approved,
    denied: o.denied,
    expired: o.expired,
    cancelled: o.cancelled,
    failed: o.failed,
    rate: point.completed,
    inflight: point.inFlight,
    connected: point.connected,
    p50: ms(e2e.p50),
    p99: ms(e2e.p99),
  };
}

/** One plain line: the same figures as the bar, for logs and CI. */
export function statusLine(point: TimelinePoint, recorder: Recorder, total?: number): string {
  const f = fields(point, recorder);
  const done = recorder.completed;
  return (
    `[${String(point.t).padStart(4)}s] flows ${done}${total !== undefined ? `/${total}` : ''}` +
    ` approved ${f.approved} denied ${f.denied} expired ${f.expired} cancelled ${f.cancelled} failed ${f.failed}` +
    ` | ${f.rate}/s | in flight ${f.inflight} | cars online ${f.connected} | end_to_end p50 ${f.p50} p99 ${f.p99}`
  );
}

/**
 * A progress bar (cli-progress) on a terminal; plain periodic lines when the stream is not one
 * (a pipe, a CI log), so logs stay readable.
 */
export function createDisplay(options: DisplayOptions): LiveDisplay {
  const mode = options.mode ?? (options.stream.isTTY ? 'bar' : 'lines');
  const write = (line: string) => void options.stream.write(line + '\n');
  if (mode === 'lines') {
    const every = options.lineEverySeconds ?? 5;
    let last = -Infinity;
    return {
      stage: (text) => write(`device-sim: ${text}`),
      update: (point, recorder) => {
        if (point.t - last < every) return;
        last = point.t;
        write(statusLine(point, recorder, options.total));
      },
      stop: () => {},
    };
  }
  const total = options.total ?? options.durationSeconds ?? 1;
  const bar = new SingleBar(
    {
      stream: options.stream as NodeJS.WriteStream,
      format:
        '{bar} {value}/{total} | approved {approved} denied {denied} expired {expired} cancelled {cancelled} failed {failed} | {rate}/s | in flight {inflight} | online {connected} | p50 {p50} p99 {p99}',
      hideCursor: true,
      clearOnComplete: false,
      barsize: 24,
      noTTYOutput: false,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    stage: (text) => {
      if (!started) write(`device-sim: ${text}`);
    },
    update: (point, recorder) => {
      const value = options.total !== undefined ? recorder.completed : Math.min(point.t, total);
      if (!started) {
        bar.start(total, 0, fields(point, recorder));
        started = true;
      }
      bar.update(value, fields(point, recorder));
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
