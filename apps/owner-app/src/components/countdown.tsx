import { useEffect, useRef, useState } from 'preact/hooks';
import { crossedThreshold, formatCountdown, secondsLeft, spokenDuration } from '../format/countdown';
import type { I18n } from '../i18n/i18n';

/**
 * The live expiry countdown. The visible m:ss ticks every second (role=timer is
 * silent); a separate polite live region speaks only at the thresholds (each
 * minute, 30 s, 10 s), so a screen reader is not interrupted every second.
 */
export function Countdown({ deadline, i18n, onExpire }: { deadline: number; i18n: I18n; onExpire?: () => void }) {
  const [now, setNow] = useState(() => Date.now());
  const [spoken, setSpoken] = useState('');
  const previous = useRef(secondsLeft(deadline, Date.now()));
  const left = secondsLeft(deadline, now);

  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  useEffect(() => {
    const crossed = crossedThreshold(previous.current, left);
    previous.current = left;
    if (crossed !== undefined) {
      setSpoken(i18n.t('request.countdown_announcement', { time: spokenDuration(i18n.locale, crossed) }));
    }
    if (left === 0) onExpire?.();
  }, [left]);

  return (
    <>
      <p class={left <= 30 ? 'countdown soon' : 'countdown'} role="timer">
        {i18n.t('request.countdown', { time: formatCountdown(i18n.locale, left) })}
      </p>
      <p class="visually-hidden" aria-live="polite">
        {spoken}
      </p>
    </>
  );
}

/** A one-second clock for lists that show several countdowns. */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
