/**
 * Durations as Packer prints and reads them: Go's `time.ParseDuration` and `Duration.String()`
 * (`1m30s`, `1.5s`, `100ms`), and durafmt's `LimitFirstN(2)` (`2 seconds 23 milliseconds`) used by
 * `Build 'x' finished after …` and `==> Wait completed after …`. All values are milliseconds
 * (fractions allowed: 0.001 ms = 1 µs).
 */

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a Go duration string (`5m`, `1h30m`, `1.5s`, `300ms`, `0`); throws Go's error text. */
export function parseGoDuration(text: string): number {
  const original = text;
  const fail = () => new Error(`time: invalid duration ${JSON.stringify(original)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest[0] === '-') sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw fail();
  let total = 0;
  while (rest !== '') {
    const match = /^(\d*)(?:\.(\d*))?/.exec(rest);
    if (!match || (match[1] === '' && (match[2] === undefined || match[2] === ''))) throw fail();
    rest = rest.slice(match[0].length);
    const unit = /^[^\d.]+/.exec(rest)?.[0];
    if (!unit) throw new Error(`time: missing unit in duration ${JSON.stringify(original)}`);
    const scale = UNIT_MS[unit];
    if (scale === undefined)
      throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(original)}`);
    rest = rest.slice(unit.length);
    total += Number(`${match[1] || '0'}.${match[2] || '0'}`) * scale;
  }
  return sign * total;
}

/** Accepts what a decoded config may hold for a duration: milliseconds, or a Go duration string. */
export function toMilliseconds(value: number | string | undefined, fallback = 0): number {
  if (value === undefined || value === '') return fallback;
  return typeof value === 'number' ? value : parseGoDuration(value);
}

/** Go's `time.Duration.String()`: `0s`, `1.5s`, `1m0s`, `2h0m0s`, `100ms`, `1µs`. */
export function formatGoDuration(ms: number): string {
  let ns = Math.round(ms * 1e6);
  if (ns === 0) return '0s';
  const negative = ns < 0;
  if (negative) ns = -ns;
  const sign = negative ? '-' : '';
  if (ns < 1e9) {
    // Sub-second: the largest unit that keeps a non-zero integer part.
    if (ns < 1e3) return `${sign}${ns}ns`;
    if (ns < 1e6) return `${sign}${fraction(ns, 1e3)}µs`;
    return `${sign}${fraction(ns, 1e6)}ms`;
  }
  const hours = Math.floor(ns / 3.6e12);
  ns -= hours * 3.6e12;
  const minutes = Math.floor(ns / 6e10);
  ns -= minutes * 6e10;
  const seconds = fraction(ns, 1e9);
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${sign}${minutes}m${seconds}s`;
  return `${sign}${seconds}s`;
}

function fraction(value: number, unit: number): string {
  const whole = Math.floor(value / unit);
  const rest = value - whole * unit;
  if (rest === 0) return String(whole);
  const digits = String(unit).length - 1;
  return `${whole}.${String(rest).padStart(digits, '0').replace(/0+$/, '')}`;
}

const DURAFMT_UNITS: Array<[string, number]> = [
  ['years', 365 * 24 * 3600 * 1e6],
  ['weeks', 7 * 24 * 3600 * 1e6],
  ['days', 24 * 3600 * 1e6],
  ['hours', 3600 * 1e6],
  ['minutes', 60 * 1e6],
  ['seconds', 1e6],
  ['milliseconds', 1e3],
  ['microseconds', 1],
];

/** durafmt `Parse(d).LimitFirstN(n)`: `11 milliseconds 499 microseconds`, `1 second 587 milliseconds`. */
export function formatDurafmt(ms: number, limit = 2): string {
  let micros = Math.floor(Math.abs(ms) * 1000);
  if (Math.round(Math.abs(ms) * 1e6) === 0) return '0 seconds';
  const parts: string[] = [];
  for (const [unit, size] of DURAFMT_UNITS) {
    const value = Math.floor(micros / size);
    micros -= value * size;
    if (value === 1) parts.push(`1 ${unit.replace(/s$/, '')}`);
    else if (value > 1) parts.push(`${value} ${unit}`);
  }
  const text = (ms < 0 ? '-' : '') + parts.slice(0, limit).join(' ');
  return text;
}
