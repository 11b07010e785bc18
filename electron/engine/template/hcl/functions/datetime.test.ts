import { describe, expect, it } from 'vitest';
import { memoryHost } from '../../host';
import * as b from '../build';
import { evaluate } from '../eval';
import { packerFunctions } from './index';
import { strftime } from './gotime';
import { formatLayout, parseDuration, parseTimestamp } from './gotime';
import { n, problem, s, show } from './test-support';

const T = '2018-01-02T23:12:01Z';

// Unless noted, expected texts were produced by Debian's packer 1.6.6 (`packer console`).
describe('formatdate', () => {
  it("formats with Terraform's date language", () => {
    expect(show('formatdate', s('DD MMM YYYY hh:mm ZZZ'), s(T))).toBe('02 Jan 2018 23:12 UTC');
    expect(show('formatdate', s("h'h'mm"), s('2018-01-02T23:12:01+05:30'))).toBe('23h12');
    expect(show('formatdate', s("''YY'foo'''"), s(T))).toBe("'18foo'");
    expect(show('formatdate', s('Z ZZZZ ZZZZZ ZZZ'), s('2018-01-02T23:12:01+05:30'))).toBe(
      '+05:30 +0530 +05:30 +0530',
    );
    expect(show('formatdate', s('EEEE, MMMM D, YYYY H:m:s aa'), s('2018-01-02T03:02:01-08:00'))).toBe(
      'Tuesday, January 2, 2018 3:2:1 am',
    );
    expect(show('formatdate', s('EEE M/D/YY HH AA'), s('2018-07-09T12:00:00Z'))).toBe('Mon 7/9/18 12 PM');
  });

  it('reports bad verbs and bad timestamps', () => {
    expect(problem('formatdate', s('a'), s(T))).toBe(
      'Invalid value for "format" parameter: invalid date format verb "a": must be "aa".',
    );
    expect(problem('formatdate', s('YYY'), s(T))).toBe(
      'Invalid value for "format" parameter: invalid date format verb "YYY": year must either be "YY" or "YYYY".',
    );
    expect(problem('formatdate', s('SSS'), s(T))).toBe(
      'Invalid value for "format" parameter: invalid date format verb "SSS".',
    );
    expect(problem('formatdate', s("'oops"), s(T))).toBe(
      'Invalid value for "format" parameter: unterminated literal \'.',
    );
    const bad: [string, string][] = [
      ['2018-01-02', "missing required time introducer 'T'"],
      ['2018-13-02T10:00:00Z', 'cannot use "-02T10:00:00Z" as month'],
      ['2018-02-30T10:00:00Z', 'day out of range'],
      ['2018/01/02T10:00:00Z', 'found "/01/02T10:00:00Z" where "-" is expected'],
      ['2018-01-02T10:00:00', 'end of string before UTC offset'],
      // Packer >= 1.7 (newer cty) words these two more precisely than 1.6.6 did.
      ['2018-01-02T25:00:00Z', 'hour must be between 0 and 23 inclusive'],
      ['2018-01-02T1:00:00Z', 'hour must have exactly two digits'],
      ['x', 'cannot use "x" as year'],
      ['2018-01-02T10:00:00Zjunk', 'extra text: "junk"'],
    ];
    for (const [text, why] of bad) {
      expect(problem('formatdate', s('x'), s(text))).toBe(
        `Invalid value for "time" parameter: not a valid RFC3339 timestamp: ${why}.`,
      );
    }
  });
});

describe('timeadd', () => {
  it('adds Go durations and keeps the offset', () => {
    expect(show('timeadd', s('2017-11-22T00:00:00Z'), s('10m'))).toBe('2017-11-22T00:10:00Z');
    expect(show('timeadd', s('2017-11-22T00:00:00+02:00'), s('-1h30m'))).toBe('2017-11-21T22:30:00+02:00');
    expect(show('timeadd', s('2017-11-22T00:00:00Z'), s('1.5h'))).toBe('2017-11-22T01:30:00Z');
    expect(show('timeadd', s('2020-02-28T23:59:59.5Z'), s('500ms'))).toBe('2020-02-29T00:00:00Z');
  });

  it('explains bad durations', () => {
    expect(problem('timeadd', s(T), s('10'))).toBe(
      'Call to function "timeadd" failed: time: missing unit in duration "10".',
    );
    expect(problem('timeadd', s(T), s('1d'))).toBe(
      'Call to function "timeadd" failed: time: unknown unit "d" in duration "1d".',
    );
    expect(problem('timeadd', s(T), s(''))).toBe(
      'Call to function "timeadd" failed: time: invalid duration "".',
    );
    expect(problem('timeadd', s('x'), s('1h'))).toBe(
      'Call to function "timeadd" failed: not a valid RFC3339 timestamp: cannot use "x" as year.',
    );
  });

  it('parses durations like Go', () => {
    expect(parseDuration('1h2m3.5s')).toBe(3723500000000n);
    expect(parseDuration('-1.5µs')).toBe(-1500n);
    expect(parseDuration('0')).toBe(0n);
    expect(() => parseDuration('1e3s')).toThrow('time: unknown unit "e" in duration "1e3s"');
  });
});

describe('timestamp and the legacy time functions', () => {
  const host = memoryHost({ now: new Date('2024-02-29T13:04:05.678Z') });
  const run = (expr: ReturnType<typeof b.call>, functions = packerFunctions()) =>
    evaluate(expr, { functions, host }).value;

  it('reads the clock from the host, in RFC 3339 UTC without fractions', () => {
    expect(run(b.call('timestamp')).asString()).toBe('2024-02-29T13:04:05Z');
  });

  it('formats Go layouts and strftime patterns (Packer >= 1.7; documented behaviour)', () => {
    expect(run(b.call('legacy_isotime')).asString()).toBe('2024-02-29T13:04:05Z');
    expect(run(b.call('legacy_isotime', b.str('01-02-2006 15:04:05.000 Mon Jan _2 MST'))).asString()).toBe(
      '02-29-2024 13:04:05.678 Thu Feb 29 UTC',
    );
    // jehiah/go-strftime (the version Packer vendors): `%%` is a percent sign, other text stays as written.
    expect(
      run(b.call('legacy_strftime', b.str('%Y-%m-%d %H:%M:%S %a %B %p %Z %%d %q Monday'))).asString(),
    ).toBe('2024-02-29 13:04:05 Thu February PM UTC %d %q Monday');
  });

  it('fixes the legacy time per function table', () => {
    let now = new Date('2024-01-01T00:00:00Z');
    const ticking = { ...host, now: () => now };
    const functions = packerFunctions();
    const first = evaluate(b.call('legacy_isotime'), { functions, host: ticking }).value.asString();
    now = new Date('2025-01-01T00:00:00Z');
    expect(evaluate(b.call('legacy_isotime'), { functions, host: ticking }).value.asString()).toBe(first);
    expect(evaluate(b.call('timestamp'), { functions, host: ticking }).value.asString()).toBe(
      '2025-01-01T00:00:00Z',
    );
  });

  it('breaks dates apart (Packer >= 1.9; documented behaviour)', () => {
    const parsed = run(b.call('rfc3339_parse', b.str('2023-07-25 23:43:16.5-07:00')));
    expect(
      Object.fromEntries(
        parsed
          .entries()
          .map(([k, v]) => [k, v.type.kind === 'string' ? v.asString() : v.asNumber().toFixedShortest()]),
      ),
    ).toEqual({
      year: '2023',
      year_day: '206',
      day: '25',
      month: '7',
      month_name: 'July',
      weekday: '2',
      weekday_name: 'Tuesday',
      hour: '23',
      minute: '43',
      second: '16',
      unix: '1690353796',
      iso_year: '2023',
      iso_week: '30',
    });
    const unix = run(b.call('unix_timestamp_parse', n(0)));
    expect(unix.get('rfc3339')!.asString()).toBe('1970-01-01T00:00:00Z');
    expect(unix.get('iso_week')!.asNumber().toFixedShortest()).toBe('1');
    expect(problem('rfc3339_parse', s('nope'))).toBe(
      'Invalid value for "timestamp" parameter: "nope" is not a valid RFC3339 timestamp.',
    );
  });
});

describe('Go time helpers', () => {
  it('formats every layout element', () => {
    const t = parseTimestamp('2009-11-10T23:04:05.123456789-07:30');
    expect(
      formatLayout(t, 'Mon Monday Jan January 1 01 2 _2 02 __2 002 15 3 03 4 04 5 05 06 2006 PM pm'),
    ).toBe('Tue Tuesday Nov November 11 11 10 10 10 314 314 23 11 11 4 04 5 05 09 2009 PM pm');
    expect(formatLayout(t, '-0700 -07:00 -07 Z0700 Z07:00 .000 .999999999 ,00 MST')).toBe(
      '-0730 -07:30 -07 -0730 -07:30 .123 .123456789 ,12 -0730',
    );
    expect(strftime('%I%M %y %b', t)).toBe('1104 09 Nov');
  });
});
