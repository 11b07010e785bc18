/**
 * Go standard-library behaviour Packer's messages depend on: strconv parsing and quoting, time.Duration
 * parsing and printing, and fmt's `%v` for decoded JSON values. Written for Kiln from the Go spec; the
 * error texts are Go's, because Packer shows them verbatim.
 */
import { goQuote } from '../hcl/gostrings';

/** strconv.Quote, for the strings that reach error messages. */
export { goQuote };

export type GoResult<T> = { ok: true; value: T } | { ok: false; error: string };

const syntaxError = (fn: string, text: string): GoResult<never> => ({
  ok: false,
  error: `strconv.${fn}: parsing ${goQuote(text)}: invalid syntax`,
});
const rangeError = (fn: string, text: string): GoResult<never> => ({
  ok: false,
  error: `strconv.${fn}: parsing ${goQuote(text)}: value out of range`,
});

/** strconv's rule for `_` digit separators in base-prefixed literals. */
function underscoreOK(text: string): boolean {
  let s = text;
  let saw = '^';
  let i = 0;
  if (s.length >= 1 && (s[0] === '-' || s[0] === '+')) s = s.slice(1);
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes(s[1].toLowerCase())) {
    i = 2;
    saw = '0';
    hex = s[1].toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= '0' && c <= '9') || (hex && c.toLowerCase() >= 'a' && c.toLowerCase() <= 'f')) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}

/** strconv.ParseInt(text, 0, 64): Go integer literal syntax (0x, 0o, 0b, leading-0 octal, `_`). */
export function parseGoInt(text: string): GoResult<number> {
  const fn = 'ParseInt';
  if (text === '') return syntaxError(fn, text);
  let s = text;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    s = s.slice(1);
    if (s === '') return syntaxError(fn, text);
  }
  let base = 10n;
  if (s[0] === '0') {
    const p = s.length >= 3 ? s[1].toLowerCase() : '';
    if (p === 'b') [base, s] = [2n, s.slice(2)];
    else if (p === 'o') [base, s] = [8n, s.slice(2)];
    else if (p === 'x') [base, s] = [16n, s.slice(2)];
    else [base, s] = [8n, s.slice(1)];
  }
  let value = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === '_') {
      underscores = true;
      continue;
    }
    const digit = parseInt(c, 36);
    if (Number.isNaN(digit) || BigInt(digit) >= base) return syntaxError(fn, text);
    value = value * base + BigInt(digit);
  }
  if (underscores && !underscoreOK(text)) return syntaxError(fn, text);
  const limit = negative ? 1n << 63n : (1n << 63n) - 1n;
  if (value > limit) return rangeError(fn, text);
  return { ok: true, value: Number(negative ? -value : value) };
}

/** strconv.ParseBool. */
export function parseGoBool(text: string): GoResult<boolean> {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return { ok: true, value: true };
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return { ok: true, value: false };
  return syntaxError('ParseBool', text);
}

/** strconv.ParseFloat(text, 64) for decimal, exponent, hex and inf/nan forms. */
export function parseGoFloat(text: string): GoResult<number> {
  const fn = 'ParseFloat';
  const s = text.includes('_') && underscoreOK(text) ? text.replace(/_/g, '') : text;
  const lower = s.toLowerCase().replace(/^[+-]/, '');
  if (['inf', 'infinity'].includes(lower))
    return { ok: true, value: s.startsWith('-') ? -Infinity : Infinity };
  if (lower === 'nan') return { ok: true, value: NaN };
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) {
    const value = Number(s);
    return Number.isFinite(value) ? { ok: true, value } : rangeError(fn, text);
  }
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (hex && (hex[2] || hex[3])) {
    const mantissa = parseInt(hex[2] + hex[3] || '0', 16) / 16 ** hex[3].length;
    const value = mantissa * 2 ** Number(hex[4]);
    return { ok: true, value: hex[1] === '-' ? -value : value };
  }
  return syntaxError(fn, text);
}

/** strconv.FormatFloat(value, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatGoFloatPlain(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const { negative, digits, point } = decimalDigits(value);
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  return (negative ? '-' : '') + out;
}

/** The shortest decimal digits of a finite number and the position of its decimal point. */
function decimalDigits(value: number): { negative: boolean; digits: string; point: number } {
  const negative = value < 0 || Object.is(value, -0);
  const [mantissa, exponent] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '').replace(/0+$/, '') || '0';
  return { negative, digits, point: digits === '0' ? 1 : Number(exponent) + 1 };
}

/** fmt's `%v` for a float64: shortest digits, `%e` when the exponent is < -4 or >= 21. */
export function formatGoFloatV(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN';
  const { negative, digits, point } = decimalDigits(value);
  const exp = point - 1;
  if (digits !== '0' && (exp < -4 || exp >= 21)) {
    const mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${negative ? '-' : ''}${mantissa}e${exp < 0 ? '-' : '+'}${e}`;
  }
  return formatGoFloatPlain(value);
}

/** Go's `%v` of a value decoded from JSON into interface{} (maps print with sorted keys). */
export function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return formatGoFloatV(value);
  if (Array.isArray(value)) return '[' + value.map(formatGoValue).join(' ') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return 'map[' + entries.map(([k, v]) => `${k}:${formatGoValue(v)}`).join(' ') + ']';
  }
  return String(value);
}

/** The Go type a JSON value decodes to (for mapstructure's "unconvertible type" message). */
export function goTypeOf(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'float64';
  if (Array.isArray(value)) return '[]interface {}';
  if (value !== null && typeof value === 'object') return 'map[string]interface {}';
  return 'interface {}';
}

/** The reflect.Kind name of a JSON value (for mapstructure's "expected a map" message). */
export function goKindOf(value: unknown): string {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return 'float64';
  if (Array.isArray(value)) return 'slice';
  if (value !== null && typeof value === 'object') return 'map';
  return 'invalid';
}

// ---------------------------------------------------------------------------------------------
// time.Duration

const NS_PER: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};
const MAX_DURATION = (1n << 63n) - 1n;

/** time.ParseDuration's own quoting: non-ASCII and control bytes as \x escapes. */
function durationQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0x80 || code < 0x20) {
      for (const byte of new TextEncoder().encode(ch)) out += '\\x' + byte.toString(16).padStart(2, '0');
    } else out += ch === '"' || ch === '\\' ? '\\' + ch : ch;
  }
  return out + '"';
}

/** time.ParseDuration, exact to the nanosecond, with Go's error texts. */
export function parseGoDurationNs(text: string): GoResult<bigint> {
  const invalid = (): GoResult<never> => ({
    ok: false,
    error: `time: invalid duration ${durationQuote(text)}`,
  });
  let s = text;
  let negative = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    negative = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return { ok: true, value: 0n };
  if (s === '') return invalid();
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0] >= '0' && s[0] <= '9'))) return invalid();
    const whole = /^[0-9]*/.exec(s)![0];
    s = s.slice(whole.length);
    if (whole.length > 0 && BigInt(whole) > MAX_DURATION) return invalid();
    let fraction = '';
    let sawPoint = false;
    if (s[0] === '.') {
      sawPoint = true;
      s = s.slice(1);
      fraction = /^[0-9]*/.exec(s)![0];
      s = s.slice(fraction.length);
    }
    if (whole === '' && (!sawPoint || fraction === '')) return invalid();
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === '') {
      return { ok: false, error: `time: missing unit in duration ${durationQuote(text)}` };
    }
    s = s.slice(unitText.length);
    const unit = NS_PER[unitText];
    if (unit === undefined) {
      return {
        ok: false,
        error: `time: unknown unit ${durationQuote(unitText)} in duration ${durationQuote(text)}`,
      };
    }
    let value = (whole === '' ? 0n : BigInt(whole)) * unit;
    if (value > 1n << 63n) return invalid();
    if (fraction !== '') {
      // Go keeps at most the digits that fit in an int64 and scales with float64; for the precision
      // templates use (well under 19 digits) exact integer arithmetic gives the same nanoseconds.
      const digits = fraction.slice(0, 18);
      value += (BigInt(digits) * unit) / 10n ** BigInt(digits.length);
      if (value > 1n << 63n) return invalid();
    }
    total += value;
    if (total > 1n << 63n) return invalid();
  }
  if (!negative && total > MAX_DURATION) return invalid();
  return { ok: true, value: negative ? -total : total };
}

/** time.ParseDuration, in milliseconds (fractions keep the nanoseconds). */
export function parseGoDuration(text: string): GoResult<number> {
  const parsed = parseGoDurationNs(text);
  return parsed.ok ? { ok: true, value: nsToMs(parsed.value) } : parsed;
}

export function nsToMs(ns: bigint): number {
  return Number(ns) / 1e6;
}

/** time.Duration(ms).String(): `1m30s`, `300ms`, `1h0m0s`, `0s`. */
export function formatGoDuration(ms: number): string {
  return formatGoDurationNs(BigInt(Math.round(ms * 1e6)));
}

export function formatGoDurationNs(ns: bigint): string {
  const negative = ns < 0n;
  let u = negative ? -ns : ns;
  let out: string;
  const frac = (value: bigint, precision: number): [string, bigint] => {
    let digits = '';
    let printed = false;
    let v = value;
    for (let i = 0; i < precision; i++) {
      const digit = v % 10n;
      printed = printed || digit !== 0n;
      if (printed) digits = digit.toString() + digits;
      v /= 10n;
    }
    return [printed ? '.' + digits : '', v];
  };
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let unit: string;
    let precision: number;
    if (u < 1_000n) [unit, precision] = ['ns', 0];
    else if (u < 1_000_000n) [unit, precision] = ['µs', 3];
    else [unit, precision] = ['ms', 6];
    const [fraction, whole] = frac(u, precision);
    out = whole.toString() + fraction + unit;
  } else {
    const [fraction, seconds] = frac(u, 9);
    u = seconds;
    out = (u % 60n).toString() + fraction + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return (negative ? '-' : '') + out;
}

// ---------------------------------------------------------------------------------------------
// Suggestions

/** Levenshtein distance over code points (agext/levenshtein with unit costs). */
export function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let previous = Array.from({ length: t.length + 1 }, (_, i) => i);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[t.length];
}

/** HCL's nameSuggestion: the first candidate within edit distance 2, in the order given. */
export function nameSuggestion(given: string, candidates: Iterable<string>): string | undefined {
  for (const candidate of candidates) {
    if (levenshtein(given, candidate) < 3) return candidate;
  }
  return undefined;
}
