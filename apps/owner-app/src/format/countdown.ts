/**
 * The request screen's expiry countdown. The deadline is taken from `expires_in`
 * when the request was fetched (not from `expires_at` against the phone's clock,
 * which may be off), and shown as m:ss; a screen reader hears it only at a few
 * thresholds, not every second.
 */

/** When the request expires, in this phone's clock: receipt time plus `expires_in`. */
export function deadlineFrom(expiresIn: number, receivedAt: number): number {
  return receivedAt + Math.max(0, expiresIn) * 1000;
}

/** Whole seconds left until `deadline` (rounded up, never negative). */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/** "4:05", or "1:02:03" from an hour up, with the locale's digits. */
export function formatCountdown(locale: string, seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const two = new Intl.NumberFormat(locale, { minimumIntegerDigits: 2, useGrouping: false });
  const one = new Intl.NumberFormat(locale, { useGrouping: false });
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  return hours > 0
    ? `${one.format(hours)}:${two.format(minutes)}:${two.format(rest)}`
    : `${one.format(minutes)}:${two.format(rest)}`;
}

/** "4 minutes" / "30 seconds" ("4 分" / "30 秒"): whole minutes from a minute up. */
export function spokenDuration(locale: string, seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const [value, unit] = s >= 60 ? [Math.round(s / 60), 'minute'] : [s, 'second'];
  return new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
}

/** Seconds at which the countdown is announced: each whole minute, then 30 and 10 seconds. */
export function isAnnouncedAt(seconds: number): boolean {
  return seconds > 0 && (seconds % 60 === 0 || seconds === 30 || seconds === 10);
}

/**
 * The threshold crossed between two ticks (`previous` > t ≥ `current`), if any: the
 * value to announce. Ticks can skip seconds (a background tab), so the lowest
 * threshold crossed wins.
 */
export function crossedThreshold(previous: number, current: number): number | undefined {
  for (let t = current; t < previous; t++) if (isAnnouncedAt(t)) return t;
  return undefined;
}
