import { PassThrough } from 'node:stream';
import { createDisplay } from './display';
import { Recorder } from './recorder';

function stream(isTTY: boolean) {
  const s = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  if (isTTY)
    Object.assign(s, {
      isTTY: true,
      columns: 200,
      cursorTo: () => true,
      clearLine: () => true,
      moveCursor: () => true,
    });
  let text = '';
  s.on('data', (c: Buffer) => (text += c.toString()));
  return { s, text: () => text };
}

function progress(recorder: Recorder, seconds: number) {
  recorder.flowStarted();
  recorder.flowStarted();
  recorder.flowEnded('approved', 'approved');
  recorder.phase('end_to_end', 120);
  return recorder.tick(seconds, 2);
}

describe('live display', () => {
  it('writes plain lines at most every few seconds when the stream is not a terminal', () => {
    const out = stream(false);
    const recorder = new Recorder();
    const display = createDisplay({ stream: out.s, total: 10, lineEverySeconds: 5 });
    display.stage('connecting 2 cars');
    for (let t = 1; t <= 6; t++) display.update(progress(recorder, t), recorder);
    display.stop();
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toBe('device-sim: connecting 2 cars');
    expect(lines.slice(1)).toHaveLength(2); // seconds 1 and 6
    expect(lines[1]).toMatch(
      /^\[ {3}1s\] flows 1\/10 approved 1 denied 0 expired 0 cancelled 0 failed 0 \| 1\/s \| in flight 1 \| cars online 2 \| end_to_end p50 120ms p99 120ms$/,
    );
    expect(out.text()).not.toContain(String.fromCharCode(27));
  });

  it('draws a progress bar with the counts on a terminal', () => {
    const out = stream(true);
    const recorder = new Recorder();
    const display = createDisplay({ stream: out.s, total: 10 });
    display.update(progress(recorder, 1), recorder);
    display.stop();
    expect(out.text()).toMatch(/█/);
    expect(out.text()).toContain('1/10 | approved 1 denied 0');
  });
});
