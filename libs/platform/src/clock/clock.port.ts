/** Time source (milliseconds since the epoch). Tests inject a controllable clock. */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };
