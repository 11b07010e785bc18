/**
 * Go's time.Format with reference-time layouts (`2006-01-02T15:04:05Z07:00`, `Jan`, `Monday`, `.000`,
 * `_2`, `002`, ...) for UTC times, as Packer's `isotime` uses it, and jehiah/go-strftime's C-style
 * `strftime` built on top of it.
 */

const LONG_MONTHS = [
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
const LONG_DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type Std =
  | { kind: 'longMonth' | 'month' | 'numMonth' | 'zeroMonth' }
  | { kind: 'longWeekDay' | 'weekDay' }
  | { kind: 'day' | 'underDay' | 'zeroDay' | 'underYearDay' | 'zeroYearDay' }
  | { kind: 'hour' | 'hour12' | 'zeroHour12' | 'minute' | 'zeroMinute' | 'second' | 'zeroSecond' }
  | { kind: 'longYear' | 'year' | 'PM' | 'pm' | 'TZ' }
  | { kind: 'numTZ'; text: string }
  | { kind: 'isoTZ'; text: string }
  | { kind: 'frac'; digits: number; trim: boolean; sep: string };

const startsWithLowerCase = (s: string) => s.length > 0 && s[0] >= 'a' && s[0] <= 'z';
const isDigitAt = (s: string, i: number) => i < s.length && s[i] >= '0' && s[i] <= '9';

/** Go's nextStdChunk: the literal prefix, the next layout element and the rest. */
function nextStdChunk(layout: string): [string, Std | undefined, string] {
  for (let i = 0; i < layout.length; i++) {
    const c = layout[i];
    const at = (s: string) => layout.startsWith(s, i);
    const cut = (len: number, std: Std): [string, Std, string] => [
      layout.slice(0, i),
      std,
      layout.slice(i + len),
    ];
    switch (c) {
      case 'J':
        if (at('Jan')) {
          if (at('January')) return cut(7, { kind: 'longMonth' });
          if (!startsWithLowerCase(layout.slice(i + 3))) return cut(3, { kind: 'month' });
        }
        break;
      case 'M':
        if (at('Mon')) {
          if (at('Monday')) return cut(6, { kind: 'longWeekDay' });
          if (!startsWithLowerCase(layout.slice(i + 3))) return cut(3, { kind: 'weekDay' });
        }
        if (at('MST')) return cut(3, { kind: 'TZ' });
        break;
      case '0': {
        const d = layout[i + 1];
        if (d !== undefined && d >= '1' && d <= '6') {
          const kinds = ['zeroMonth', 'zeroDay', 'zeroHour12', 'zeroMinute', 'zeroSecond', 'year'] as const;
          return cut(2, { kind: kinds[Number(d) - 1] });
        }
        if (at('002')) return cut(3, { kind: 'zeroYearDay' });
        break;
      }
      case '1':
        if (layout[i + 1] === '5') return cut(2, { kind: 'hour' });
        return cut(1, { kind: 'numMonth' });
      case '2':
        if (at('2006')) return cut(4, { kind: 'longYear' });
        return cut(1, { kind: 'day' });
      case '_':
        if (layout[i + 1] === '2') {
          if (layout.startsWith('2006', i + 1))
            return [layout.slice(0, i + 1), { kind: 'longYear' }, layout.slice(i + 5)];
          return cut(2, { kind: 'underDay' });
        }
        if (at('__2')) return cut(3, { kind: 'underYearDay' });
        break;
      case '3':
        return cut(1, { kind: 'hour12' });
      case '4':
        return cut(1, { kind: 'minute' });
      case '5':
        return cut(1, { kind: 'second' });
      case 'P':
        if (layout[i + 1] === 'M') return cut(2, { kind: 'PM' });
        break;
      case 'p':
        if (layout[i + 1] === 'm') return cut(2, { kind: 'pm' });
        break;
      case '-':
        for (const t of ['-070000', '-07:00:00', '-0700', '-07:00', '-07']) {
          if (at(t)) return cut(t.length, { kind: 'numTZ', text: t });
        }
        break;
      case 'Z':
        for (const t of ['Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07']) {
          if (at(t)) return cut(t.length, { kind: 'isoTZ', text: t });
        }
        break;
      case '.':
      case ',':
        if (layout[i + 1] === '0' || layout[i + 1] === '9') {
          const ch = layout[i + 1];
          let j = i + 1;
          while (j < layout.length && layout[j] === ch) j++;
          if (!isDigitAt(layout, j)) {
            return [
              layout.slice(0, i),
              { kind: 'frac', digits: j - (i + 1), trim: ch === '9', sep: c },
              layout.slice(j),
            ];
          }
        }
        break;
    }
  }
  return [layout, undefined, ''];
}

const pad = (n: number, width: number, ch = '0') => String(n).padStart(width, ch);

/** Formats a time in UTC with a Go layout. `nanos` is the sub-second part in nanoseconds (0..999999999). */
export function formatGoTime(date: Date, layout: string, nanos = date.getUTCMilliseconds() * 1e6): string {
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const day = date.getUTCDate();
  const hour = date.getUTCHours();
  const minute = date.getUTCMinutes();
  const second = date.getUTCSeconds();
  const weekday = date.getUTCDay();
  const yearDay = Math.floor((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86400000) + 1;
  let out = '';
  let rest = layout;
  while (rest !== '') {
    const [prefix, std, suffix] = nextStdChunk(rest);
    out += prefix;
    if (!std) break;
    rest = suffix;
    switch (std.kind) {
      case 'year':
        out += pad(((year % 100) + 100) % 100, 2);
        break;
      case 'longYear':
        out += year < 0 ? '-' + pad(-year, 4) : pad(year, 4);
        break;
      case 'month':
        out += LONG_MONTHS[month].slice(0, 3);
        break;
      case 'longMonth':
        out += LONG_MONTHS[month];
        break;
      case 'numMonth':
        out += String(month + 1);
        break;
      case 'zeroMonth':
        out += pad(month + 1, 2);
        break;
      case 'weekDay':
        out += LONG_DAYS[weekday].slice(0, 3);
        break;
      case 'longWeekDay':
        out += LONG_DAYS[weekday];
        break;
      case 'day':
        out += String(day);
        break;
      case 'underDay':
        out += pad(day, 2, ' ');
        break;
      case 'zeroDay':
        out += pad(day, 2);
        break;
      case 'underYearDay':
        out += pad(yearDay, 3, ' ');
        break;
      case 'zeroYearDay':
        out += pad(yearDay, 3);
        break;
      case 'hour':
        out += pad(hour, 2);
        break;
      case 'hour12':
        out += String(hour % 12 === 0 ? 12 : hour % 12);
        break;
      case 'zeroHour12':
        out += pad(hour % 12 === 0 ? 12 : hour % 12, 2);
        break;
      case 'minute':
        out += String(minute);
        break;
      case 'zeroMinute':
        out += pad(minute, 2);
        break;
      case 'second':
        out += String(second);
        break;
      case 'zeroSecond':
        out += pad(second, 2);
        break;
      case 'PM':
        out += hour >= 12 ? 'PM' : 'AM';
        break;
      case 'pm':
        out += hour >= 12 ? 'pm' : 'am';
        break;
      case 'TZ':
        out += 'UTC';
        break;
      case 'isoTZ':
        // UTC: the ISO 8601 forms print Z.
        out += 'Z';
        break;
      case 'numTZ':
        out += {
          '-070000': '+000000',
          '-07:00:00': '+00:00:00',
          '-0700': '+0000',
          '-07:00': '+00:00',
          '-07': '+00',
        }[std.text];
        break;
      case 'frac': {
        let digits = String(Math.trunc(nanos)).padStart(9, '0').slice(0, std.digits);
        if (std.trim) {
          digits = digits.replace(/0+$/, '');
          if (digits !== '') out += std.sep + digits;
        } else out += std.sep + digits;
        break;
      }
    }
  }
  return out;
}

/** Go's time.RFC3339 layout, what `{{isotime}}` uses with no argument. */
export const RFC3339 = '2006-01-02T15:04:05Z07:00';

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

/** jehiah/go-strftime's Format: the conversions it knows, `%%`, and anything else kept as written. */
export function strftime(format: string, date: Date): string {
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
      else if (STRFTIME[c] !== undefined) out += formatGoTime(date, STRFTIME[c]);
      else out += '%' + c;
    } else out += '%';
    i = ni + 2;
  }
  return out;
}
