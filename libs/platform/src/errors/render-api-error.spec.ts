import type { Logger } from '../logger/logger.port';
import { ApiError } from './api-error';
import { renderApiError } from './render-api-error';

class Locked extends ApiError {
  readonly code = 'locked';
  override readonly status = 423;
}
class Hidden extends ApiError {
  readonly code = 'server_error';
  override readonly status = 503;
  override readonly expose = false;
}

function recordingLogger() {
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push({ level, msg, fields });
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

describe('renderApiError', () => {
  it('renders an ApiError as {error, error_description} with its status and headers, never cached', () => {
    const { logger, lines } = recordingLogger();
    const error = new Locked('the device is locked');
    error.headers = { 'retry-after': '30' };
    expect(renderApiError(error, logger)).toEqual({
      status: 423,
      headers: {
        'cache-control': 'no-store',
        pragma: 'no-cache',
        'content-type': 'application/json; charset=utf-8',
        'retry-after': '30',
      },
      body: { error: 'locked', error_description: 'the device is locked' },
    });
    expect(error.description).toBe('the device is locked');
    expect(error.name).toBe('Locked');
    expect(lines).toEqual([]);
  });

  it('keeps the description of an error that must not expose it, and logs a 5xx', () => {
    const { logger, lines } = recordingLogger();
    const rendered = renderApiError(new Hidden('pool exhausted at db-3'), logger);
    expect(rendered.status).toBe(503);
    expect(rendered.body).toEqual({ error: 'server_error' });
    expect(lines).toEqual([
      {
        level: 'error',
        msg: 'request failed',
        fields: { error: 'server_error', description: 'pool exhausted at db-3' },
      },
    ]);
  });

  it('renders anything else as server_error with a logged error id and no details', () => {
    const { logger, lines } = recordingLogger();
    const rendered = renderApiError(new TypeError('secret detail'), logger);
    expect(rendered.status).toBe(500);
    expect(rendered.body.error).toBe('server_error');
    expect(JSON.stringify(rendered.body)).not.toContain('secret detail');
    const errorId = /id ([0-9a-f-]{36})$/.exec(rendered.body.error_description ?? '')?.[1];
    expect(lines[0]).toMatchObject({ msg: 'unexpected error', fields: { errorId, errorMessage: 'secret detail' } });
  });
});
