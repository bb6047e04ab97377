import { InvalidArgumentError } from 'commander';

/** `500ms`, `30s`, `5m`, `1h`, or a number of seconds → milliseconds. */
export function parseDuration(text: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!match) throw new InvalidArgumentError(`'${text}' is not a duration such as 500ms, 30s, 5m or 1h`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 's']!;
  return Math.round(Number(match[1]) * unit);
}

/** A whole number from `min` up. */
export function parseCount(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min)
      throw new InvalidArgumentError(`'${text}' is not a whole number of at least ${min}`);
    return value;
  };
}

/** A share from 0 to 1. */
export function parseShare(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new InvalidArgumentError(`'${text}' is not a share from 0 to 1`);
  return value;
}

/** A number of at least 0. */
export function parseNumber(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError(`'${text}' is not a number of at least 0`);
  return value;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
