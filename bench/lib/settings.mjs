// Benchmark settings: each one a `--flag value` (or `--flag=value`), else an environment
// variable, else its default. Shared by bench/run.mjs and bench/bridge/run.mjs.

/** Readers over `argv` and `env`: `pick` (raw), `int` (a non-negative integer), `list` (comma-separated). */
export function settingsReader(argv, env) {
  const flags = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) continue;
    const [key, inline] = arg.slice(2).split('=', 2);
    flags[key] = inline ?? argv[++i];
  }
  const pick = (flag, variable, fallback) => flags[flag] ?? env[variable] ?? fallback;
  const int = (flag, variable, fallback) => {
    const value = Number(pick(flag, variable, fallback));
    if (!Number.isInteger(value) || value < 0) throw new Error(`--${flag} / ${variable}: expected an integer`);
    return value;
  };
  const list = (flag, variable, fallback) =>
    String(pick(flag, variable, fallback))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return { pick, int, list };
}

/** A figure for a table: '–' when absent, whole numbers from 1,000 up. */
export function fmt(value, digits = 1) {
  if (value === undefined || value === null || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  return value.toFixed(digits);
}
