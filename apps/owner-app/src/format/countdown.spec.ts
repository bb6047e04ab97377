import {
  crossedThreshold,
  deadlineFrom,
  formatCountdown,
  isAnnouncedAt,
  secondsLeft,
  spokenDuration,
} from './countdown';

describe('the expiry countdown', () => {
  it('counts from the time the request was received plus expires_in, not the phone’s clock', () => {
    const deadline = deadlineFrom(120, 1_000_000);
    expect(secondsLeft(deadline, 1_000_000)).toBe(120);
    expect(secondsLeft(deadline, 1_000_001)).toBe(120);
    expect(secondsLeft(deadline, 1_001_000)).toBe(119);
    expect(secondsLeft(deadline, 1_200_000)).toBe(0);
  });

  it('shows minutes and two-digit seconds, and hours from an hour up', () => {
    expect(formatCountdown('en', 245)).toBe('4:05');
    expect(formatCountdown('en', 59)).toBe('0:59');
    expect(formatCountdown('en', 0)).toBe('0:00');
    expect(formatCountdown('en', 3723)).toBe('1:02:03');
    expect(formatCountdown('ja', 600)).toBe('10:00');
    expect(formatCountdown('en', -5)).toBe('0:00');
  });

  it('is spoken in whole minutes, or in seconds under a minute, in the owner’s language', () => {
    expect(spokenDuration('en', 240)).toBe('4 minutes');
    expect(spokenDuration('en', 60)).toBe('1 minute');
    expect(spokenDuration('en', 30)).toBe('30 seconds');
    expect(spokenDuration('ja', 240)).toBe('4 分');
    expect(spokenDuration('ja', 10)).toBe('10 秒');
  });

  it('is announced at each whole minute, at 30 and at 10 seconds, and not every second', () => {
    const announced = Array.from({ length: 301 }, (_, s) => s).filter(isAnnouncedAt);
    expect(announced).toEqual([10, 30, 60, 120, 180, 240, 300]);
  });

  it('announces the lowest threshold crossed between two ticks, even when ticks skip', () => {
    expect(crossedThreshold(61, 60)).toBe(60);
    expect(crossedThreshold(62, 61)).toBeUndefined();
    expect(crossedThreshold(125, 25)).toBe(30);
    expect(crossedThreshold(11, 10)).toBe(10);
    expect(crossedThreshold(10, 9)).toBeUndefined();
  });
});
