import { createLogger } from './logger';

function capture(level?: 'debug' | 'info' | 'warn' | 'error' | 'silent') {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    write: (line) => lines.push(line),
    now: () => Date.UTC(2026, 0, 2, 3, 4, 5),
  });
  return { logger, lines, parsed: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes one JSON line per event with time, level, msg and the fields', () => {
    const { logger, lines, parsed } = capture();
    logger.info('request', { method: 'POST', status: 200 });
    expect(lines).toHaveLength(1);
    expect(lines[0].endsWith('\n')).toBe(true);
    expect(lines[0].trim()).not.toContain('\n');
    expect(parsed()[0]).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      msg: 'request',
      method: 'POST',
      status: 200,
    });
  });

  it('drops events below the configured level', () => {
    const { logger, parsed } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((line) => line.level)).toEqual(['warn', 'error']);
    expect(logger.isEnabled('info')).toBe(false);
    expect(logger.isEnabled('error')).toBe(true);
  });

  it('writes nothing when silent', () => {
    const { logger, lines } = capture('silent');
    logger.error('e');
    expect(lines).toEqual([]);
  });

  it('masks secret-looking fields before writing', () => {
    const { logger, lines } = capture();
    logger.info('token issued', {
      clientId: 'c1',
      access_token: 'AT-SECRET-VALUE',
      headers: { authorization: 'Bearer AT-SECRET-VALUE', dpop: 'proof' },
      user_code: '123456',
    });
    expect(lines[0]).not.toContain('AT-SECRET-VALUE');
    expect(lines[0]).not.toContain('123456');
    expect(lines[0]).not.toContain('proof');
    expect(JSON.parse(lines[0]).clientId).toBe('c1');
  });

  it('never lets a field overwrite time, level or msg', () => {
    const { logger, parsed } = capture();
    logger.warn('real', { level: 'debug', msg: 'fake', time: 'x' });
    expect(parsed()[0]).toMatchObject({ level: 'warn', msg: 'real', time: '2026-01-02T03:04:05.000Z' });
  });

  it('adds the fields of a child logger to every line', () => {
    const { logger, parsed } = capture();
    logger.child({ service: 'ciba-provider' }).info('hello', { a: 1 });
    expect(parsed()[0]).toMatchObject({ service: 'ciba-provider', a: 1 });
  });

  it('survives fields that cannot be serialised', () => {
    const { logger, parsed } = capture();
    const self: Record<string, unknown> = { ok: true };
    self.self = self;
    logger.info('big', { n: 10n, self });
    expect(parsed()[0]).toMatchObject({ n: '10', self: { ok: true } });
  });

  it('masks secrets and personal data in the fields of a child logger and in the message', () => {
    const { logger, lines } = capture();
    logger
      .child({ client_secret: 'CHILD-SECRET', reqId: 'r-1' })
      .warn('no owner for alice@example.com with Bearer AT-IN-TEXT', { email: 'alice@example.com' });
    expect(lines[0]).not.toMatch(/CHILD-SECRET|alice@example\.com|AT-IN-TEXT/);
    expect(JSON.parse(lines[0])).toMatchObject({ reqId: 'r-1', client_secret: '[redacted]', email: '[redacted]' });
  });

  it('masks the extra paths it is given', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), redactPaths: ['req.headers["x-api-key"]'] });
    logger.info('request', { req: { headers: { 'x-api-key': 'K-123', accept: 'json' } } });
    expect(JSON.parse(lines[0]).req.headers).toEqual({ 'x-api-key': '[redacted]', accept: 'json' });
  });

  it('pretty-prints when asked, still masking secrets', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), pretty: true });
    logger.info('token issued', { access_token: 'AT-SECRET-VALUE', clientId: 'c1' });
    const text = lines.join('');
    expect(text).toContain('token issued');
    expect(text).toContain('c1');
    expect(text).not.toContain('AT-SECRET-VALUE');
    expect(() => JSON.parse(text)).toThrow();
  });
});
