import { isGrantOfActiveOwner, type Owner } from './owner';

const T = 1_800_000_000_500; // half a second into a second
const owner = (patch: Partial<Owner> = {}): Owner => ({ sub: 'alice', disabled: false, createdAt: 0, ...patch });

describe('isGrantOfActiveOwner', () => {
  it('accepts any grant of an owner never disabled', () => {
    expect(isGrantOfActiveOwner(owner(), T)).toBe(true);
  });

  it('refuses every grant of a missing or disabled owner', () => {
    expect(isGrantOfActiveOwner(undefined, T)).toBe(false);
    expect(isGrantOfActiveOwner(owner({ disabled: true }), T)).toBe(false);
    expect(isGrantOfActiveOwner(owner({ disabled: true, disabledAt: T - 10_000 }), T)).toBe(false);
  });

  it('refuses, after re-enabling, a grant approved before the disable or within its second', () => {
    const enabled = owner({ disabledAt: T });
    expect(isGrantOfActiveOwner(enabled, T - 60_000)).toBe(false);
    expect(isGrantOfActiveOwner(enabled, T - 400)).toBe(false);
    // auth_time has whole seconds: the rest of the disable's second counts as before it
    expect(isGrantOfActiveOwner(enabled, T + 400)).toBe(false);
  });

  it('accepts, after re-enabling, a grant approved in a later second than the disable', () => {
    expect(isGrantOfActiveOwner(owner({ disabledAt: T }), T + 500)).toBe(true);
    expect(isGrantOfActiveOwner(owner({ disabledAt: T }), T + 86_400_000)).toBe(true);
  });
});
