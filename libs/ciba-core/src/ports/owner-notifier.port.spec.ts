import type { AuthRequest } from '../domain/auth-request';
import { composeOwnerNotifiers, type OwnerNotifier } from './owner-notifier.port';

const request = { id: 'ar-1', sub: 'alice' } as AuthRequest;

describe('composeOwnerNotifiers', () => {
  it('calls every notifier, and a failing one (thrown or rejected) stops none of the others', async () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    const notifiers: OwnerNotifier[] = [
      {
        notify: () => {
          throw new Error('push service down');
        },
      },
      { notify: async () => void calls.push('live'), updated: () => void calls.push('live updated') },
      { notify: () => Promise.reject(new Error('webhook down')) },
      { notify: () => void calls.push('signals') },
    ];
    const composed = composeOwnerNotifiers(notifiers, (error) => errors.push(error));
    await composed.notify(request);
    await composed.updated!(request);
    expect(calls).toEqual(['live', 'signals', 'live updated']);
    expect(errors.map((e) => (e as Error).message)).toEqual(['push service down', 'webhook down']);
  });
});
