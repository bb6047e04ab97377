import { createLogger } from './logger';
import { requestIdOf, requestLogger } from './request-id';

describe('requestIdOf', () => {
  it("keeps a proxy's well-formed request id", () => {
    expect(requestIdOf('7f1c9e2a-0b4d-4c3e-9a8f-1d2e3f4a5b6c')).toBe('7f1c9e2a-0b4d-4c3e-9a8f-1d2e3f4a5b6c');
    expect(requestIdOf(['lb-1:42', 'other'])).toBe('lb-1:42');
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['with spaces or control characters', 'a b\nforged log line'],
    ['longer than 128 characters', 'x'.repeat(129)],
  ])('makes a new id when the header is %s', (_what, header) => {
    expect(requestIdOf(header, () => 'fresh')).toBe('fresh');
  });
});

describe('requestLogger', () => {
  it('adds the request id to every line of the request', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), base: { service: 's' } });
    const log = requestLogger(logger, 'req-1');
    log.info('one');
    log.warn('two', { status: 400 });
    logger.info('elsewhere');
    expect(lines.map((line) => JSON.parse(line).reqId)).toEqual(['req-1', 'req-1', undefined]);
    expect(JSON.parse(lines[1])).toMatchObject({ service: 's', status: 400, msg: 'two' });
  });
});
