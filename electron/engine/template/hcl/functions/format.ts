/**
 * `format` and `formatlist` (cty stdlib format.go): Go-style verbs `%v %#v %t %s %q %d %b %o %x %X
 * %e %E %f %g %G %%` with flags `+ - # 0 space`, width, precision and `[n]` argument indexes.
 * Offsets in error messages are byte offsets into the format string, as in cty.
 */
import { convert } from '../convert';
import { goQuote } from '../gostrings';
import { BOOL, DYNAMIC, NUMBER, STRING, listOf } from '../types';
import { Value, ValueError } from '../values';
import { goJSONString, marshalJSON } from './json';
import { ArgError, defineFunction, FunctionError } from './spec';
import { graphemes, utf8Encode } from './util';

interface Verb {
  raw: string;
  offset: number;
  argNum: number;
  mode: string;
  zero: boolean;
  sharp: boolean;
  plus: boolean;
  minus: boolean;
  space: boolean;
  width: number;
  prec: number;
}

function byteOffset(s: string, index: number): number {
  return utf8Encode(s.slice(0, index)).length;
}

function goQuoteRune(c: string): string {
  if (c === "'") return `'\\''`;
  return "'" + goQuote(c).slice(1, -1).replace(/\\"/g, '"') + "'";
}

/** Formats `args` per `format` as cty's formatFSM does; throws FunctionError/ArgError. */
export function formatString(format: string, args: readonly Value[]): string {
  let out = '';
  let nextArg = 1;
  let highest = 0;
  let i = 0;
  const n = format.length;
  const unrecognized = (at: number): never => {
    const c = String.fromCodePoint(format.codePointAt(at)!);
    throw new FunctionError(
      `unrecognized format character ${goQuoteRune(c)} at offset ${byteOffset(format, at)}`,
    );
  };
  const eof = (): never => {
    throw new FunctionError(`invalid format string starting at offset ${byteOffset(format, n)}`);
  };
  while (i < n) {
    const c = format[i];
    if (c !== '%') {
      out += c;
      i++;
      continue;
    }
    if (format[i + 1] === '%') {
      out += '%';
      i += 2;
      continue;
    }
    const start = i;
    const verb: Verb = {
      raw: '',
      offset: byteOffset(format, start),
      argNum: nextArg,
      mode: '',
      zero: false,
      sharp: false,
      plus: false,
      minus: false,
      space: false,
      width: -1,
      prec: -1,
    };
    i++;
    for (; i < n; i++) {
      const f = format[i];
      if (f === '0') verb.zero = true;
      else if (f === '#') verb.sharp = true;
      else if (f === '-') verb.minus = true;
      else if (f === '+') verb.plus = true;
      else if (f === ' ') verb.space = true;
      else break;
    }
    if (i < n && format[i] >= '1' && format[i] <= '9') {
      let w = 0;
      while (i < n && format[i] >= '0' && format[i] <= '9') w = w * 10 + Number(format[i++]);
      verb.width = w;
    }
    if (i < n && format[i] === '.') {
      i++;
      let p = 0;
      while (i < n && format[i] >= '0' && format[i] <= '9') p = p * 10 + Number(format[i++]);
      verb.prec = p;
    }
    if (i < n && format[i] === '[') {
      i++;
      if (i >= n) eof();
      if (!(format[i] >= '1' && format[i] <= '9')) unrecognized(i);
      let a = 0;
      while (i < n && format[i] >= '0' && format[i] <= '9') a = a * 10 + Number(format[i++]);
      if (i >= n) eof();
      if (format[i] !== ']') unrecognized(i);
      i++;
      verb.argNum = a;
    }
    if (i >= n) eof();
    if (!/[a-zA-Z]/.test(format[i])) unrecognized(i);
    verb.mode = format[i];
    i++;
    verb.raw = format.slice(start, i);
    if (verb.argNum > highest) highest = verb.argNum;
    out += formatVerb(verb, args);
    nextArg = verb.argNum + 1;
  }
  if (highest < args.length) {
    if (highest === 0) throw new ArgError(highest + 1, 'too many arguments; no verbs in format string');
    throw new ArgError(highest + 1, `too many arguments; only ${highest} used by format string`);
  }
  return out;
}

function formatVerb(verb: Verb, args: readonly Value[]): string {
  const index = verb.argNum - 1;
  if (index >= args.length) {
    throw new FunctionError(
      `not enough arguments for ${goQuote(verb.raw)} at ${verb.offset}: need index ${verb.argNum} but have ${args.length} total`,
    );
  }
  const arg = args[index];
  if (verb.mode !== 'v' && arg.isNull()) {
    throw new FunctionError(
      `unsupported value for ${goQuote(verb.raw)} at ${verb.offset}: null value cannot be formatted`,
    );
  }
  const unsupported = (why: string): never => {
    throw new FunctionError(`unsupported value for ${goQuote(verb.raw)} at ${verb.offset}: ${why}`);
  };
  const convertTo = (t: typeof BOOL): Value => {
    try {
      return convert(arg, t);
    } catch (e) {
      if (e instanceof ValueError) return unsupported(e.message);
      throw e;
    }
  };
  switch (verb.mode) {
    case 'v': {
      if (!verb.sharp && !arg.isNull()) {
        if (arg.type.kind === 'string') return padWidth(verb, arg.asString());
        if (arg.type.kind === 'number') return padWidth(verb, arg.asNumber().text('g', -1));
      }
      try {
        return padWidth(verb, marshalJSON(arg));
      } catch (e) {
        if (e instanceof ValueError) return unsupported(e.message);
        throw e;
      }
    }
    case 't':
      return convertTo(BOOL).asBool() ? 'true' : 'false';
    case 'b':
    case 'd':
    case 'o':
    case 'x':
    case 'X': {
      const n = convertTo(NUMBER).asNumber().toBigInt();
      if (!n || n.accuracy !== 0) return unsupported('an integer is required');
      return formatInteger(verb, n.value);
    }
    case 'e':
    case 'E':
    case 'f':
    case 'g':
    case 'G':
      return formatFloat(verb, convertTo(NUMBER));
    case 's':
    case 'q': {
      let s = convertTo(STRING).asString();
      if (verb.prec > 0) s = graphemes(s).slice(0, verb.prec).join('');
      return padWidth(verb, verb.mode === 's' ? s : goJSONString(s));
    }
    default:
      throw new FunctionError(
        `unsupported format verb ${goQuoteRune(verb.mode)} in ${goQuote(verb.raw)} at offset ${verb.offset}`,
      );
  }
}

function padWidth(verb: Verb, s: string): string {
  if (verb.width < 0) return s;
  const length = graphemes(s).length;
  if (length >= verb.width) return s;
  const pad = (verb.zero ? '0' : ' ').repeat(verb.width - length);
  return verb.minus ? s + pad : pad + s;
}

/** Go's fmt of a *big.Int. */
function formatInteger(verb: Verb, n: bigint): string {
  const base = { b: 2, o: 8, d: 10, x: 16, X: 16 }[verb.mode as 'b' | 'o' | 'd' | 'x' | 'X'];
  const neg = n < 0n;
  let digits = (neg ? -n : n).toString(base);
  if (verb.mode === 'X') digits = digits.toUpperCase();
  const sign = neg ? '-' : verb.plus ? '+' : verb.space ? ' ' : '';
  let prefix = '';
  if (verb.sharp)
    prefix = { b: '0b', o: '0', d: '', x: '0x', X: '0X' }[verb.mode as 'b' | 'o' | 'd' | 'x' | 'X'];
  let zeros = 0;
  if (verb.prec >= 0) {
    if (digits.length < verb.prec) zeros = verb.prec - digits.length;
    else if (digits === '0' && verb.prec === 0) return '';
  }
  let left = 0;
  let right = 0;
  const length = sign.length + prefix.length + zeros + digits.length;
  if (verb.width >= 0 && length < verb.width) {
    const d = verb.width - length;
    if (verb.minus) right = d;
    else if (verb.zero && verb.prec < 0) zeros = d;
    else left = d;
  }
  return ' '.repeat(left) + sign + prefix + '0'.repeat(zeros) + digits + ' '.repeat(right);
}

/** Go's fmt of a *big.Float. */
function formatFloat(verb: Verb, value: Value): string {
  const x = value.asNumber();
  const mode = verb.mode as 'e' | 'E' | 'f' | 'g' | 'G';
  let prec = verb.prec;
  if (prec < 0 && (mode === 'e' || mode === 'E' || mode === 'f')) prec = 6;
  let buf = x.text(mode, prec);
  let sign = '';
  if (buf[0] === '-') {
    sign = '-';
    buf = buf.slice(1);
  } else if (buf[0] === '+') {
    sign = verb.space ? ' ' : '+';
    buf = buf.slice(1);
  } else if (verb.plus) sign = '+';
  else if (verb.space) sign = ' ';
  const padding =
    verb.width >= 0 && verb.width > sign.length + buf.length ? verb.width - sign.length - buf.length : 0;
  if (verb.zero && !x.isInf) return sign + '0'.repeat(padding) + buf;
  if (verb.minus) return sign + buf + ' '.repeat(padding);
  return ' '.repeat(padding) + sign + buf;
}

export const format = defineFunction({
  description: 'format',
  params: [{ name: 'format', type: STRING }],
  varParam: { name: 'args', type: DYNAMIC, allowNull: true, allowUnknown: true, allowDynamicType: true },
  returnType: STRING,
  impl([f, ...args]) {
    if (args.some((a) => !a.isWhollyKnown())) return Value.unknown(STRING);
    return Value.string(formatString(f.asString(), args));
  },
});

export const formatlist = defineFunction({
  description: 'formatlist',
  params: [{ name: 'format', type: STRING }],
  varParam: { name: 'args', type: DYNAMIC, allowNull: true, allowUnknown: true, allowDynamicType: true },
  returnType: listOf(STRING),
  impl([f, ...args]) {
    const fmt = f.asString();
    if (args.length === 0) return Value.list([Value.string(formatString(fmt, []))]);
    let iterLength = -1;
    let lengthChooser = -1;
    const sequences: (readonly Value[] | undefined)[] = [];
    let unknown = false;
    args.forEach((arg, i) => {
      const kind = arg.type.kind;
      sequences.push(undefined);
      if ((kind === 'list' || kind === 'set' || kind === 'tuple') && !arg.isNull()) {
        if (kind !== 'tuple' && (!arg.isKnown() || arg.length() < 0)) {
          unknown = true;
          return;
        }
        const length = arg.type.kind === 'tuple' ? arg.type.elements.length : arg.length();
        if (iterLength === -1) {
          iterLength = length;
          lengthChooser = i;
        } else if (length !== iterLength) {
          throw new ArgError(
            i + 1,
            `argument ${i + 1} has length ${length}, which is inconsistent with argument ${lengthChooser + 1} of length ${iterLength}`,
          );
        }
        if (!arg.isKnown()) {
          unknown = true;
          return;
        }
        sequences[i] = arg.elements();
      } else if (kind === 'dynamic' && !arg.isKnown()) {
        unknown = true;
      }
    });
    if (unknown) return Value.unknown(listOf(STRING));
    if (iterLength === 0) return Value.list([], STRING);
    if (iterLength === -1) iterLength = 1;
    const results: Value[] = [];
    for (let n = 0; n < iterLength; n++) {
      const formatArgs = args.map((arg, i) => sequences[i]?.[n] ?? arg);
      if (formatArgs.some((a) => !a.isWhollyKnown())) {
        results.push(Value.unknown(STRING));
        continue;
      }
      try {
        results.push(Value.string(formatString(fmt, formatArgs)));
      } catch (e) {
        if (e instanceof FunctionError)
          throw new FunctionError(`error on format iteration ${n}: ${e.message}`);
        throw e;
      }
    }
    return Value.list(results);
  },
});
