/**
 * Time functions: timestamp, timeadd, formatdate (cty stdlib, Terraform's date format language),
 * legacy_isotime, legacy_strftime, rfc3339_parse, unix_timestamp_parse (Packer). The clock comes from
 * the host; `legacy_*` use one fixed time per function table, as Packer uses its start time.
 */
import type { TemplateHost } from '../../host';
import { goQuote } from '../gostrings';
import { NUMBER, STRING, objectOf } from '../types';
import { Value } from '../values';
import {
  addDuration,
  civil,
  formatLayout,
  formatRFC3339,
  fromDate,
  isoWeek,
  MONTHS,
  parseDuration,
  parseRFC3339Loose,
  parseTimestamp,
  RFC3339,
  WEEKDAYS,
  strftime,
  type GoTime,
} from './gotime';
import { ArgError, defineFunction, FunctionError, type FunctionContext, type FunctionDef } from './spec';
import { toInt } from './util';

function requireHost(ctx: FunctionContext): TemplateHost {
  if (!ctx.host) throw new FunctionError('the clock is not available here');
  return ctx.host;
}

export const timestamp = defineFunction({
  description: 'timestamp',
  params: [],
  returnType: STRING,
  impl: (_args, _t, ctx) => Value.string(formatRFC3339(fromDate(requireHost(ctx).now()))),
});

export const timeadd = defineFunction({
  description: 'timeadd',
  params: [
    { name: 'timestamp', type: STRING },
    { name: 'duration', type: STRING },
  ],
  returnType: STRING,
  impl([ts, duration]) {
    try {
      const t = parseTimestamp(ts.asString());
      return Value.string(formatRFC3339(addDuration(t, parseDuration(duration.asString()))));
    } catch (e) {
      throw new FunctionError((e as Error).message);
    }
  },
});

function two(n: number): string {
  return String(n).padStart(2, '0');
}

/** Splits a formatdate format into quoted literals, verb runs (repeated letters) and other text. */
function dateFormatTokens(format: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < format.length) {
    const c = format[i];
    if (c === "'") {
      if (format[i + 1] === "'") {
        tokens.push("''");
        i += 2;
        continue;
      }
      let j = i + 1;
      while (j < format.length) {
        if (format[j] === "'") {
          if (format[j + 1] === "'") {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      tokens.push(format.slice(i, j + 1));
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      let j = i + 1;
      while (format[j] === c) j++;
      tokens.push(format.slice(i, j));
      i = j;
      continue;
    }
    let j = i + 1;
    while (j < format.length && format[j] !== "'" && !/[A-Za-z]/.test(format[j])) j++;
    tokens.push(format.slice(i, j));
    i = j;
  }
  return tokens;
}

export function formatDate(format: string, t: GoTime): string {
  const c = civil(t);
  let out = '';
  const bad = (tok: string, rule: string) =>
    new ArgError(0, `invalid date format verb ${goQuote(tok)}: ${rule}`);
  for (const tok of dateFormatTokens(format)) {
    if (tok[0] === "'") {
      if (tok[tok.length - 1] !== "'" || tok.length === 1) throw new ArgError(0, "unterminated literal '");
      if (tok.length === 2) out += "'";
      else out += tok.slice(1, -1).replace(/''/g, "'");
      continue;
    }
    if (!/[A-Za-z]/.test(tok[0])) {
      out += tok;
      continue;
    }
    const n = tok.length;
    switch (tok[0]) {
      case 'Y':
        if (n === 2) out += two(Math.abs(c.year) % 100);
        else if (n === 4) out += String(c.year).padStart(4, '0');
        else throw bad(tok, 'year must either be "YY" or "YYYY"');
        break;
      case 'M':
        if (n === 1) out += c.month;
        else if (n === 2) out += two(c.month);
        else if (n === 3) out += MONTHS[c.month - 1].slice(0, 3);
        else if (n === 4) out += MONTHS[c.month - 1];
        else throw bad(tok, 'month must be "M", "MM", "MMM", or "MMMM"');
        break;
      case 'D':
        if (n === 1) out += c.day;
        else if (n === 2) out += two(c.day);
        else throw bad(tok, 'day of month must either be "D" or "DD"');
        break;
      case 'E':
        if (n === 3) out += WEEKDAYS[c.weekday].slice(0, 3);
        else if (n === 4) out += WEEKDAYS[c.weekday];
        else throw bad(tok, 'day of week must either be "EEE" or "EEEE"');
        break;
      case 'h':
        if (n === 1) out += c.hour;
        else if (n === 2) out += two(c.hour);
        else throw bad(tok, '24-hour must either be "h" or "hh"');
        break;
      case 'H': {
        const h = c.hour % 12 === 0 ? 12 : c.hour % 12;
        if (n === 1) out += h;
        else if (n === 2) out += two(h);
        else throw bad(tok, '12-hour must either be "H" or "HH"');
        break;
      }
      case 'A':
      case 'a':
        if (n !== 2) throw bad(tok, `must be "${tok[0]}${tok[0]}"`);
        out += tok[0] === 'A' ? (c.hour < 12 ? 'AM' : 'PM') : c.hour < 12 ? 'am' : 'pm';
        break;
      case 'm':
        if (n === 1) out += c.minute;
        else if (n === 2) out += two(c.minute);
        else throw bad(tok, 'minute must either be "m" or "mm"');
        break;
      case 's':
        if (n === 1) out += c.second;
        else if (n === 2) out += two(c.second);
        else throw bad(tok, 'second must either be "s" or "ss"');
        break;
      case 'Z':
        if (n === 1) out += formatLayout(t, 'Z07:00');
        else if (n === 3) {
          const z = formatLayout(t, '-0700');
          out += z === '+0000' ? 'UTC' : z;
        } else if (n === 4) out += formatLayout(t, '-0700');
        else if (n === 5) out += formatLayout(t, '-07:00');
        else throw bad(tok, 'timezone must be Z, ZZZZ, or ZZZZZ');
        break;
      default:
        throw new ArgError(0, `invalid date format verb ${goQuote(tok)}`);
    }
  }
  return out;
}

export const formatdate = defineFunction({
  description: 'formatdate',
  params: [
    { name: 'format', type: STRING },
    { name: 'time', type: STRING },
  ],
  returnType: STRING,
  impl([format, time]) {
    let t: GoTime;
    try {
      t = parseTimestamp(time.asString());
    } catch (e) {
      throw new ArgError(1, (e as Error).message);
    }
    return Value.string(formatDate(format.asString(), t));
  },
});

/** legacy_isotime and legacy_strftime, fixed to the first time either is used from this table. */
export function legacyTimeFunctions(): { legacy_isotime: FunctionDef; legacy_strftime: FunctionDef } {
  let start: GoTime | undefined;
  const startTime = (ctx: FunctionContext) => (start ??= fromDate(requireHost(ctx).now()));
  const make = (name: string, format: (f: string, t: GoTime) => string) =>
    defineFunction({
      description: name,
      params: [],
      varParam: { name: 'format', type: STRING },
      returnType: STRING,
      impl(args, _t, ctx) {
        if (args.length > 1) {
          throw new FunctionError(
            `too many values, 1 needed: [${args.map((a) => goQuote(a.asString())).join(' ')}]`,
          );
        }
        const t = startTime(ctx);
        if (args.length === 0) return Value.string(formatLayout(t, RFC3339));
        return Value.string(format(args[0].asString(), t));
      },
    });
  return {
    legacy_isotime: make('legacy_isotime', (f, t) => formatLayout(t, f)),
    legacy_strftime: make('legacy_strftime', strftime),
  };
}

const PARSED_TIME_ATTRIBUTES: [string, typeof NUMBER][] = [
  ['year', NUMBER],
  ['year_day', NUMBER],
  ['day', NUMBER],
  ['month', NUMBER],
  ['month_name', STRING],
  ['weekday', NUMBER],
  ['weekday_name', STRING],
  ['hour', NUMBER],
  ['minute', NUMBER],
  ['second', NUMBER],
  ['iso_year', NUMBER],
  ['iso_week', NUMBER],
];

function describeTime(t: GoTime, extra: [string, Value][]): Value {
  const c = civil(t);
  const iso = isoWeek(t);
  return Value.object([
    ['year', Value.number(c.year)],
    ['year_day', Value.number(c.yearDay)],
    ['day', Value.number(c.day)],
    ['month', Value.number(c.month)],
    ['month_name', Value.string(MONTHS[c.month - 1])],
    ['weekday', Value.number(c.weekday)],
    ['weekday_name', Value.string(WEEKDAYS[c.weekday])],
    ['hour', Value.number(c.hour)],
    ['minute', Value.number(c.minute)],
    ['second', Value.number(c.second)],
    ['iso_year', Value.number(iso.year)],
    ['iso_week', Value.number(iso.week)],
    ...extra,
  ]);
}

export const rfc3339Parse = defineFunction({
  description: 'rfc3339_parse',
  params: [{ name: 'timestamp', type: STRING }],
  returnType: objectOf([...PARSED_TIME_ATTRIBUTES, ['unix', NUMBER]]),
  impl([ts]) {
    const t = parseRFC3339Loose(ts.asString());
    if (!t) throw new ArgError(0, `${goQuote(ts.asString())} is not a valid RFC3339 timestamp`);
    return describeTime(t, [['unix', Value.number(t.sec)]]);
  },
});

export const unixTimestampParse = defineFunction({
  description: 'unix_timestamp_parse',
  params: [{ name: 'unix_timestamp', type: NUMBER }],
  returnType: objectOf([...PARSED_TIME_ATTRIBUTES, ['rfc3339', STRING]]),
  impl([n]) {
    let sec: number;
    try {
      sec = toInt(n);
    } catch (e) {
      throw new ArgError(
        0,
        `unix_timestamp must be a whole number of seconds representable as a 64-bit integer: ${(e as Error).message}`,
      );
    }
    const t: GoTime = { sec, nsec: 0, offset: 0, zone: 'UTC' };
    return describeTime(t, [['rfc3339', Value.string(formatRFC3339(t))]]);
  },
});
