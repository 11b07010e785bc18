/**
 * The parts of Go's time package the functions need: a time with a fixed UTC offset, RFC 3339 parsing
 * with cty's error messages, Go reference-layout formatting (`2006-01-02T15:04:05Z07:00`), and
 * time.ParseDuration.
 */
import { goQuote } from '../gostrings';

/** A moment with the UTC offset it was written in. */
export interface GoTime {
  /** Seconds since the Unix epoch. */
  sec: number;
  /** Nanoseconds within the second, 0..999999999. */
  nsec: number;
  /** Seconds east of UTC. */
  offset: number;
  /** Zone abbreviation for `MST` in layouts ("UTC" for UTC times, "" for fixed offsets). */
  zone: string;
}

export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
export const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

export function fromDate(d: Date): GoTime {
  const ms = d.getTime();
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: (ms - sec * 1000) * 1e6, offset: 0, zone: 'UTC' };
}

function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function civilFromDays(z: number): { year: number; month: number; day: number } {
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysIn(month: number, year: number): number {
  return [31, isLeap(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

export interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
  yearDay: number;
}

export function civil(t: GoTime): Civil {
  const local = t.sec + t.offset;
  const days = Math.floor(local / 86400);
  const secs = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    hour: Math.floor(secs / 3600),
    minute: Math.floor((secs % 3600) / 60),
    second: secs % 60,
    weekday: (((days + 4) % 7) + 7) % 7,
    yearDay: days - daysFromCivil(year, 1, 1) + 1,
  };
}

/** Go's Time.ISOWeek. */
export function isoWeek(t: GoTime): { year: number; week: number } {
  const c = civil(t);
  // Shift to the Thursday of the same ISO week.
  const weekdayMondayBased = (c.weekday + 6) % 7;
  const days = Math.floor((t.sec + t.offset) / 86400) - weekdayMondayBased + 3;
  const thursday = civilFromDays(days);
  const yearDay = days - daysFromCivil(thursday.year, 1, 1);
  return { year: thursday.year, week: Math.floor(yearDay / 7) + 1 };
}

export function makeTime(
  c: Omit<Civil, 'weekday' | 'yearDay'>,
  nsec: number,
  offset: number,
  zone = '',
): GoTime {
  const days = daysFromCivil(c.year, c.month, c.day);
  const sec = days * 86400 + c.hour * 3600 + c.minute * 60 + c.second - offset;
  return { sec, nsec, offset, zone: offset === 0 && zone === '' ? 'UTC' : zone };
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? '-' + s : s;
}

// ---- layouts --------------------------------------------------------------------------------------

type Chunk =
  | 'January'
  | 'Jan'
  | '1'
  | '01'
  | 'Monday'
  | 'Mon'
  | '2'
  | '_2'
  | '02'
  | '__2'
  | '002'
  | '15'
  | '3'
  | '03'
  | '4'
  | '04'
  | '5'
  | '05'
  | '2006'
  | '06'
  | 'PM'
  | 'pm'
  | 'MST'
  | 'Z0700'
  | 'Z070000'
  | 'Z07'
  | 'Z07:00'
  | 'Z07:00:00'
  | '-0700'
  | '-070000'
  | '-07'
  | '-07:00'
  | '-07:00:00'
  | { frac: '0' | '9'; digits: number; separator: string };

function nextChunk(layout: string): { prefix: string; chunk?: Chunk; suffix: string } {
  const lower = (s: string) => s.length > 0 && s[0] >= 'a' && s[0] <= 'z';
  for (let i = 0; i < layout.length; i++) {
    const at = (s: string) => layout.startsWith(s, i);
    const take = (chunk: Chunk, length: number) => ({
      prefix: layout.slice(0, i),
      chunk,
      suffix: layout.slice(i + length),
    });
    switch (layout[i]) {
      case 'J':
        if (at('January')) return take('January', 7);
        if (at('Jan') && !lower(layout.slice(i + 3))) return take('Jan', 3);
        break;
      case 'M':
        if (at('Monday')) return take('Monday', 6);
        if (at('Mon') && !lower(layout.slice(i + 3))) return take('Mon', 3);
        if (at('MST')) return take('MST', 3);
        break;
      case '0':
        if (layout[i + 1] >= '1' && layout[i + 1] <= '6') {
          return take((['01', '02', '03', '04', '05', '06'] as const)[Number(layout[i + 1]) - 1], 2);
        }
        if (at('002')) return take('002', 3);
        break;
      case '1':
        if (at('15')) return take('15', 2);
        return take('1', 1);
      case '2':
        if (at('2006')) return take('2006', 4);
        return take('2', 1);
      case '_':
        if (layout[i + 1] === '2') {
          if (at('_2006'))
            return { prefix: layout.slice(0, i + 1), chunk: '2006', suffix: layout.slice(i + 5) };
          return take('_2', 2);
        }
        if (at('__2')) return take('__2', 3);
        break;
      case '3':
      case '4':
      case '5':
        return take(layout[i] as '3' | '4' | '5', 1);
      case 'P':
        if (at('PM')) return take('PM', 2);
        break;
      case 'p':
        if (at('pm')) return take('pm', 2);
        break;
      case '-':
        for (const z of ['-070000', '-07:00:00', '-0700', '-07:00', '-07'] as const)
          if (at(z)) return take(z, z.length);
        break;
      case 'Z':
        for (const z of ['Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07'] as const)
          if (at(z)) return take(z, z.length);
        break;
      case '.':
      case ',': {
        const ch = layout[i + 1];
        if (ch === '0' || ch === '9') {
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!(layout[j] >= '0' && layout[j] <= '9')) {
            return {
              prefix: layout.slice(0, i),
              chunk: { frac: ch, digits: j - (i + 1), separator: layout[i] },
              suffix: layout.slice(j),
            };
          }
        }
        break;
      }
    }
  }
  return { prefix: layout, suffix: '' };
}

function formatZone(t: GoTime, chunk: string): string {
  if (chunk[0] === 'Z' && t.offset === 0) return 'Z';
  let zone = Math.trunc(t.offset / 60);
  let abs = t.offset;
  let out = '+';
  if (zone < 0) {
    out = '-';
    zone = -zone;
    abs = -abs;
  }
  out += pad(Math.floor(zone / 60), 2);
  const colon = chunk.includes(':');
  if (colon) out += ':';
  if (chunk !== '-07' && chunk !== 'Z07') out += pad(zone % 60, 2);
  if (['-070000', '-07:00:00', 'Z070000', 'Z07:00:00'].includes(chunk)) {
    if (colon) out += ':';
    out += pad(abs % 60, 2);
  }
  return out;
}

/** Go's Time.Format with a reference-time layout. */
export function formatLayout(t: GoTime, layout: string): string {
  const c = civil(t);
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const { prefix, chunk, suffix } = nextChunk(rest);
    out += prefix;
    if (chunk === undefined) break;
    rest = suffix;
    if (typeof chunk === 'object') {
      let digits = String(t.nsec).padStart(9, '0').slice(0, Math.min(chunk.digits, 9));
      if (chunk.frac === '9') {
        digits = digits.replace(/0+$/, '');
        if (digits === '') continue;
      }
      out += chunk.separator + digits;
      continue;
    }
    switch (chunk) {
      case '06':
        out += pad(Math.abs(c.year) % 100, 2);
        break;
      case '2006':
        out += pad(c.year, 4);
        break;
      case 'Jan':
        out += MONTHS[c.month - 1].slice(0, 3);
        break;
      case 'January':
        out += MONTHS[c.month - 1];
        break;
      case '1':
        out += c.month;
        break;
      case '01':
        out += pad(c.month, 2);
        break;
      case 'Mon':
        out += WEEKDAYS[c.weekday].slice(0, 3);
        break;
      case 'Monday':
        out += WEEKDAYS[c.weekday];
        break;
      case '2':
        out += c.day;
        break;
      case '_2':
        out += (c.day < 10 ? ' ' : '') + c.day;
        break;
      case '02':
        out += pad(c.day, 2);
        break;
      case '__2':
        out += String(c.yearDay).padStart(3, ' ');
        break;
      case '002':
        out += pad(c.yearDay, 3);
        break;
      case '15':
        out += pad(c.hour, 2);
        break;
      case '3':
        out += c.hour % 12 === 0 ? 12 : c.hour % 12;
        break;
      case '03':
        out += pad(c.hour % 12 === 0 ? 12 : c.hour % 12, 2);
        break;
      case '4':
        out += c.minute;
        break;
      case '04':
        out += pad(c.minute, 2);
        break;
      case '5':
        out += c.second;
        break;
      case '05':
        out += pad(c.second, 2);
        break;
      case 'PM':
        out += c.hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += c.hour >= 12 ? 'pm' : 'am';
        break;
      case 'MST':
        out += t.zone !== '' ? t.zone : formatZone(t, '-0700');
        break;
      default:
        out += formatZone(t, chunk);
    }
  }
  return out;
}

export const RFC3339 = '2006-01-02T15:04:05Z07:00';

export function formatRFC3339(t: GoTime): string {
  return formatLayout(t, RFC3339);
}

// ---- RFC 3339 parsing ------------------------------------------------------------------------------

/** Parses an RFC 3339 timestamp strictly, with the messages cty's formatdate/timeadd give. */
export function parseTimestamp(s: string): GoTime {
  const fast = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (fast) {
    const [, y, mo, d, h, mi, se, frac, zone] = fast;
    const year = Number(y);
    const month = Number(mo);
    const day = Number(d);
    const ok =
      month >= 1 &&
      month <= 12 &&
      day >= 1 &&
      day <= daysIn(month, year) &&
      Number(h) <= 23 &&
      Number(mi) <= 59 &&
      Number(se) <= 59;
    let offset = 0;
    let zoneOk = true;
    if (zone !== 'Z') {
      const zh = Number(zone.slice(1, 3));
      const zm = Number(zone.slice(4, 6));
      zoneOk = zh <= 23 && zm <= 59;
      offset = (zh * 60 + zm) * 60 * (zone[0] === '-' ? -1 : 1);
    }
    if (ok && zoneOk) {
      const nsec = frac ? Number(frac.slice(0, 9).padEnd(9, '0')) : 0;
      return makeTime(
        { year, month, day, hour: Number(h), minute: Number(mi), second: Number(se) },
        nsec,
        offset,
        zone === 'Z' ? 'UTC' : '',
      );
    }
  }
  throw new Error(rfc3339Error(s));
}

/** The explanation cty gives for a string that is not a strict RFC 3339 timestamp. */
function rfc3339Error(s: string): string {
  const base = 'not a valid RFC3339 timestamp';
  const fail = (layoutElem: string, valueElem: string): string => {
    const what: Record<string, string> = {
      '2006': 'year',
      '01': 'month',
      '02': 'day of month',
      '15': 'hour',
      '04': 'minute',
      '05': 'second',
      'Z07:00': 'UTC offset',
    };
    if (layoutElem === 'T') return `${base}: missing required time introducer 'T'`;
    if (layoutElem === ':' || layoutElem === '-') {
      return valueElem === ''
        ? `${base}: end of string where ${goQuote(layoutElem)} is expected`
        : `${base}: found ${goQuote(valueElem)} where ${goQuote(layoutElem)} is expected`;
    }
    const name = what[layoutElem] ?? 'timestamp segment';
    if (valueElem === '') return `${base}: end of string before ${name}`;
    if (name === 'hour' && valueElem.includes(':')) return `${base}: hour must be between 0 and 23 inclusive`;
    if (name === 'hour' && valueElem.length !== 2) return `${base}: hour must have exactly two digits`;
    if (name === 'minute' && valueElem.length !== 2) return `${base}: minute must have exactly two digits`;
    return `${base}: cannot use ${goQuote(valueElem)} as ${name}`;
  };
  let v = s;
  const digits = (
    n: number,
    layoutElem: string,
    min: number,
    max: number,
    flexible = false,
  ): string | number => {
    const m = (flexible ? /^\d{1,2}/ : new RegExp(`^\\d{${n}}`)).exec(v);
    if (!m) return fail(layoutElem, v);
    // Go's parser takes a one-digit hour; cty then insists on two.
    if (flexible && m[0].length === 1) return fail(layoutElem, m[0]);
    const value = Number(m[0]);
    v = v.slice(m[0].length);
    if (value < min || value > max) return fail(layoutElem, v);
    return value;
  };
  const literal = (c: string): string | undefined => {
    if (!v.startsWith(c)) return fail(c, v);
    v = v.slice(c.length);
    return undefined;
  };
  const steps: (() => string | number | undefined)[] = [
    () => digits(4, '2006', 0, 9999),
    () => literal('-'),
    () => digits(2, '01', 1, 12),
    () => literal('-'),
    () => digits(2, '02', 1, 31),
    () => literal('T'),
    () => digits(2, '15', 0, 23, true),
    () => literal(':'),
    () => digits(2, '04', 0, 59),
    () => literal(':'),
    () => digits(2, '05', 0, 59),
  ];
  for (const step of steps) {
    const r = step();
    if (typeof r === 'string') return r;
  }
  if (v.startsWith(',')) return `${base}: sub-second separator must be a period`;
  const frac = /^\.\d+/.exec(v);
  if (frac) v = v.slice(frac[0].length);
  if (v.startsWith('Z')) v = v.slice(1);
  else {
    const z = /^[+-](\d{2}):(\d{2})/.exec(v);
    if (!z) return fail('Z07:00', v);
    if (Number(z[1]) >= 24) return `${base}: timezone hour out of range`;
    if (Number(z[2]) >= 60) return `${base}: timezone minute out of range`;
    v = v.slice(z[0].length);
  }
  if (v !== '') return `${base}: extra text: ${goQuote(v)}`;
  return `${base}: day out of range`;
}

/** Packer's rfc3339_parse accepts RFC3339Nano with a `T` or a space. */
export function parseRFC3339Loose(s: string): GoTime | undefined {
  const normalized = /^\d{4}-\d{2}-\d{2} /.test(s) ? s.slice(0, 10) + 'T' + s.slice(11) : s;
  try {
    return parseTimestamp(normalized);
  } catch {
    return undefined;
  }
}

// ---- durations -------------------------------------------------------------------------------------

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1000n,
  µs: 1000n,
  μs: 1000n,
  ms: 1000000n,
  s: 1000000000n,
  m: 60000000000n,
  h: 3600000000000n,
};

const MAX_DURATION = 2n ** 63n - 1n;

/** Go's time.ParseDuration, in nanoseconds; throws Error with Go's message. */
export function parseDuration(s: string): bigint {
  const orig = s;
  const invalid = () => new Error(`time: invalid duration ${goQuote(orig)}`);
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw invalid();
  let total = 0n;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    if (m[0] === '' || m[0] === '.') throw invalid();
    const whole = m[1] === '' ? 0n : BigInt(m[1]);
    const frac = m[2] ?? '';
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new Error(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNITS[u];
    if (unit === undefined) throw new Error(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    let value = whole * unit;
    if (frac !== '') value += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += value;
    if (total > MAX_DURATION + (neg ? 1n : 0n)) throw invalid();
  }
  return neg ? -total : total;
}

export function addDuration(t: GoTime, nanos: bigint): GoTime {
  const total = BigInt(t.sec) * 1000000000n + BigInt(t.nsec) + nanos;
  let sec = total / 1000000000n;
  let nsec = total % 1000000000n;
  if (nsec < 0n) {
    nsec += 1000000000n;
    sec -= 1n;
  }
  return { ...t, sec: Number(sec), nsec: Number(nsec) };
}

/** jehiah/go-strftime's conversions (the version Packer vendors), each a Go layout. */
const STRFTIME: Record<string, string> = {
  B: 'January',
  b: 'Jan',
  m: '01',
  A: 'Monday',
  a: 'Mon',
  d: '02',
  H: '15',
  I: '03',
  M: '04',
  S: '05',
  Y: '2006',
  y: '06',
  p: 'PM',
  Z: 'MST',
  z: '-0700',
  L: '.000',
};

/**
 * jehiah/go-strftime's Format: each known `%x` formatted alone as its Go layout, `%%`, unknown
 * conversions and all other text kept as written (packer 1.6.6 prints `{{strftime "%Y Monday"}}` as
 * `2026 Monday`).
 */
export function strftime(format: string, t: GoTime): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const ni = format.indexOf('%', i);
    if (ni < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, ni);
    if (ni + 1 < format.length) {
      const c = format[ni + 1];
      if (c === '%') out += '%';
      else if (STRFTIME[c] !== undefined) out += formatLayout(t, STRFTIME[c]);
      else out += '%' + c;
    } else out += '%';
    i = ni + 2;
  }
  return out;
}
