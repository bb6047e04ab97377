import { describeFetchFailure } from './fetch-failure';

const fetchFailed = (cause: unknown) => Object.assign(new TypeError('fetch failed'), { cause });
const netError = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('describeFetchFailure', () => {
  it('names the URL (origin and path, never a query or credentials) and the cause behind "fetch failed"', () => {
    expect(
      describeFetchFailure(
        'http://user:pw@localhost:4001/admin/v1/devices?after=x',
        fetchFailed(netError('connect ECONNREFUSED 127.0.0.1:4001', 'ECONNREFUSED')),
      ),
    ).toBe('cannot reach http://localhost:4001/admin/v1/devices: connect ECONNREFUSED 127.0.0.1:4001');
  });

  it('lists every address tried when several failed at once', () => {
    const both = Object.assign(
      new AggregateError(
        [
          netError('connect ECONNREFUSED ::1:4001', 'ECONNREFUSED'),
          netError('connect ECONNREFUSED 127.0.0.1:4001', 'ECONNREFUSED'),
        ],
        '',
      ),
      { code: 'ECONNREFUSED' },
    );
    expect(describeFetchFailure('http://localhost:4001/x', fetchFailed(both))).toBe(
      'cannot reach http://localhost:4001/x: connect ECONNREFUSED ::1:4001; connect ECONNREFUSED 127.0.0.1:4001',
    );
  });

  it('adds the code when the message lacks it, and says when the answer did not come in time', () => {
    expect(
      describeFetchFailure(
        'https://p.example/x',
        fetchFailed(netError('unable to verify the first certificate', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')),
      ),
    ).toBe(
      'cannot reach https://p.example/x: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    );
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    expect(describeFetchFailure('http://p.example/x', timeout)).toBe(
      'cannot reach http://p.example/x: no answer in time (The operation was aborted due to timeout)',
    );
  });
});
