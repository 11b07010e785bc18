/** The parts of Go's fmt package that text/template's print, println and printf builtins expose. */
import { goQuote } from '../hcl/gostrings';
import {
  GoFloat,
  type GoValue,
  fixedFromDigits,
  formatFloatG,
  formatValue,
  goTypeName,
  isGoMap,
} from './values';

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: GoValue[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** fmt.Sprintln: always spaces, then a newline. */
export function sprintln(args: GoValue[]): string {
  return args.map((a) => formatValue(a)).join(' ') + '\n';
}

interface Flags {
  minus: boolean;
  plus: boolean;
  sharp: boolean;
  zero: boolean;
  space: boolean;
  width?: number;
  prec?: number;
}

function pad(s: string, f: Flags, numeric: boolean): string {
  if (f.width === undefined || s.length >= f.width) return s;
  const n = f.width - s.length;
  if (f.minus) return s + ' '.repeat(n);
  if (f.zero && numeric) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(n) + s.slice(sign.length);
  }
  return ' '.repeat(n) + s;
}

function badVerb(verb: string, v: GoValue): string {
  if (v === undefined) return `%!${verb}(<nil>)`;
  if (v === null) return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(v)}=${formatValue(v)})`;
}

function fixed(x: number, prec: number): string {
  if (!Number.isFinite(x)) return formatFloatG(x);
  if (Math.abs(x) < 1e21) return x.toFixed(Math.min(prec, 100));
  const [m, e] = x.toExponential().split('e');
  const digits = m.replace('-', '').replace('.', '');
  return (x < 0 ? '-' : '') + fixedFromDigits(digits, Number(e)) + (prec > 0 ? '.' + '0'.repeat(prec) : '');
}

function expo(x: number, prec: number | undefined): string {
  const s = prec === undefined ? x.toExponential() : x.toExponential(Math.min(prec, 100));
  return s.replace(/e([+-])(\d)$/, 'e$10$2');
}

function formatOne(verb: string, v: GoValue, f: Flags): string {
  // fmt applies the verb to each element of a slice or map.
  if (verb !== 'v' && verb !== 'T' && Array.isArray(v))
    return `[${v.map((e) => formatOne(verb, e, f)).join(' ')}]`;
  if (verb !== 'v' && verb !== 'T' && isGoMap(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${formatOne(verb, k, f)}:${formatOne(verb, v[k], f)}`).join(' ')}]`;
  }
  const num = typeof v === 'number' ? v : v instanceof GoFloat ? v.value : undefined;
  const sign = (s: string) =>
    f.plus && !s.startsWith('-') ? '+' + s : f.space && !s.startsWith('-') ? ' ' + s : s;
  switch (verb) {
    case 'v':
      if (v instanceof GoFloat) return pad(sign(formatFloatG(v.value)), f, true);
      if (typeof v === 'number') return pad(sign(String(v)), f, true);
      if (f.sharp && typeof v === 'string') return pad(goQuote(v), f, false);
      return pad(formatValue(v), f, false);
    case 's':
      if (typeof v === 'string')
        return pad(f.prec !== undefined ? [...v].slice(0, f.prec).join('') : v, f, false);
      if (Array.isArray(v) || (typeof v === 'object' && v !== null && !(v instanceof GoFloat))) {
        return pad(formatValue(v), f, false);
      }
      return badVerb(verb, v);
    case 'q':
      if (typeof v === 'string')
        return pad(f.sharp && !v.includes('`') ? '`' + v + '`' : goQuote(v), f, false);
      if (typeof v === 'number') return pad(`'${String.fromCodePoint(v)}'`, f, false);
      return badVerb(verb, v);
    case 't':
      if (typeof v === 'boolean') return pad(v ? 'true' : 'false', f, false);
      return badVerb(verb, v);
    case 'd':
    case 'b':
    case 'o':
    case 'c':
    case 'U':
      if (typeof v !== 'number') return badVerb(verb, v);
      if (verb === 'c') return pad(String.fromCodePoint(v), f, false);
      if (verb === 'U') return pad(`U+${v.toString(16).toUpperCase().padStart(4, '0')}`, f, false);
      return pad(sign(v.toString(verb === 'd' ? 10 : verb === 'b' ? 2 : 8)), f, true);
    case 'x':
    case 'X': {
      let s: string;
      if (typeof v === 'number') s = (v < 0 ? '-' : '') + (f.sharp ? '0x' : '') + Math.abs(v).toString(16);
      else if (typeof v === 'string')
        s = [...new TextEncoder().encode(v)].map((b) => b.toString(16).padStart(2, '0')).join('');
      else return badVerb(verb, v);
      return pad(verb === 'X' ? s.toUpperCase() : s, f, true);
    }
    case 'f':
    case 'F':
      if (num === undefined || typeof v === 'number') return badVerb(verb, v);
      return pad(sign(fixed(num, f.prec ?? 6)), f, true);
    case 'e':
    case 'E': {
      if (num === undefined || typeof v === 'number') return badVerb(verb, v);
      const s = sign(expo(num, f.prec ?? 6));
      return pad(verb === 'E' ? s.toUpperCase() : s, f, true);
    }
    case 'g':
    case 'G': {
      if (num === undefined || typeof v === 'number') return badVerb(verb, v);
      const s =
        f.prec === undefined
          ? formatFloatG(num, 21)
          : String(Number(num.toPrecision(Math.max(1, f.prec)))).replace(/e([+-])(\d)$/, 'e$10$2');
      return pad(sign(verb === 'G' ? s.toUpperCase() : s), f, true);
    }
    case 'T':
      return pad(goTypeName(v), f, false);
    default:
      return badVerb(verb, v);
  }
}

/** fmt.Sprintf with the common verbs and flags, and Go's markers for bad verbs and argument counts. */
export function sprintf(format: string, args: GoValue[]): string {
  let out = '';
  let argIndex = 0;
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      continue;
    }
    i++;
    const f: Flags = { minus: false, plus: false, sharp: false, zero: false, space: false };
    for (; i < format.length; i++) {
      const fc = format[i];
      if (fc === '-') f.minus = true;
      else if (fc === '+') f.plus = true;
      else if (fc === '#') f.sharp = true;
      else if (fc === '0') f.zero = !f.minus;
      else if (fc === ' ') f.space = true;
      else break;
    }
    const readNum = (): number | undefined => {
      if (format[i] === '*') {
        i++;
        const a = args[argIndex++];
        return typeof a === 'number' ? a : undefined;
      }
      let s = '';
      while (i < format.length && format[i] >= '0' && format[i] <= '9') s += format[i++];
      return s ? Number(s) : undefined;
    };
    f.width = readNum();
    if (format[i] === '.') {
      i++;
      f.prec = readNum() ?? 0;
    }
    if (i >= format.length) {
      out += '%!(NOVERB)';
      break;
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!);
    i += verb.length - 1;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += formatOne(verb, args[argIndex++], f);
  }
  if (argIndex < args.length) {
    out += `%!(EXTRA ${args
      .slice(argIndex)
      .map((a) => `${goTypeName(a)}=${formatValue(a)}`)
      .join(', ')})`;
  }
  return out;
}
