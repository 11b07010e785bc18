/**
 * String functions (cty stdlib string.go, Packer's startswith/endswith/strcontains): lengths and
 * offsets count grapheme clusters, as cty does.
 */
import { BOOL, NUMBER, STRING, listOf } from '../types';
import { Value } from '../values';
import { ArgError, defineFunction, FunctionError, type FunctionDef } from './spec';
import { goLower, goTitle, goTrimSpace, goUpper, graphemes, toInt } from './util';

function stringToString(name: string, f: (s: string) => string, allowDynamicType = false): FunctionDef {
  return defineFunction({
    description: name,
    params: [{ name: 'str', type: STRING, allowDynamicType }],
    returnType: STRING,
    impl: ([s]) => Value.string(f(s.asString())),
  });
}

export const upper = stringToString('upper', goUpper, true);
export const lower = stringToString('lower', goLower, true);
export const title = stringToString('title', goTitle);
export const trimspace = stringToString('trimspace', goTrimSpace);
export const chomp = stringToString('chomp', (s) => s.replace(/(?:\r\n?|\n)*$/, ''));
export const strrev = stringToString('strrev', (s) => graphemes(s).reverse().join(''), true);

function twoStrings(
  name: string,
  second: string,
  f: (a: string, b: string) => Value,
  returnType = STRING,
): FunctionDef {
  return defineFunction({
    description: name,
    params: [
      { name: 'str', type: STRING },
      { name: second, type: STRING },
    ],
    returnType,
    impl: ([a, b]) => f(a.asString(), b.asString()),
  });
}

/** Go's strings.Trim: drops leading and trailing characters that appear in the cutset. */
export const trim = twoStrings('trim', 'cutset', (s, cutset) => {
  const cut = new Set(cutset);
  const chars = [...s];
  let start = 0;
  let end = chars.length;
  while (start < end && cut.has(chars[start])) start++;
  while (end > start && cut.has(chars[end - 1])) end--;
  return Value.string(chars.slice(start, end).join(''));
});
export const trimprefix = twoStrings('trimprefix', 'prefix', (s, p) =>
  Value.string(s.startsWith(p) ? s.slice(p.length) : s),
);
export const trimsuffix = twoStrings('trimsuffix', 'suffix', (s, p) =>
  Value.string(p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s),
);
export const startswith = twoStrings('startswith', 'prefix', (s, p) => Value.bool(s.startsWith(p)), BOOL);
export const endswith = twoStrings('endswith', 'suffix', (s, p) => Value.bool(s.endsWith(p)), BOOL);
export const strcontains = twoStrings('strcontains', 'substr', (s, p) => Value.bool(s.includes(p)), BOOL);

export const replace = defineFunction({
  description: 'replace',
  params: [
    { name: 'str', type: STRING },
    { name: 'substr', type: STRING },
    { name: 'replace', type: STRING },
  ],
  returnType: STRING,
  impl([s, sub, rep]) {
    const str = s.asString();
    const substr = sub.asString();
    const replacement = rep.asString();
    if (substr === '') {
      // Go inserts the replacement before every character and at the end.
      const chars = [...str];
      return Value.string(replacement + chars.map((c) => c + replacement).join(''));
    }
    return Value.string(str.split(substr).join(replacement));
  },
});

export const split = defineFunction({
  description: 'split',
  params: [
    { name: 'separator', type: STRING },
    { name: 'str', type: STRING },
  ],
  returnType: listOf(STRING),
  impl([sep, s]) {
    const separator = sep.asString();
    const str = s.asString();
    const parts = separator === '' ? [...str] : str.split(separator);
    if (parts.length === 0) return Value.list([], STRING);
    return Value.list(parts.map((p) => Value.string(p)));
  },
});

export const join = defineFunction({
  description: 'join',
  params: [{ name: 'separator', type: STRING }],
  varParam: { name: 'lists', type: listOf(STRING) },
  returnType: STRING,
  impl([sep, ...lists]) {
    if (lists.length < 1) throw new FunctionError('at least one list is required');
    if (lists.some((l) => !l.isWhollyKnown())) return Value.unknown(STRING);
    const items: string[] = [];
    lists.forEach((list, ai) => {
      list.elements().forEach((v, ei) => {
        if (v.isNull()) {
          if (lists.length > 1) {
            throw new ArgError(
              ai + 1,
              `element ${ei} of list ${ai + 1} is null; cannot concatenate null values`,
            );
          }
          throw new ArgError(ai + 1, `element ${ei} is null; cannot concatenate null values`);
        }
        items.push(v.asString());
      });
    });
    return Value.string(items.join(sep.asString()));
  },
});

export const indent = defineFunction({
  description: 'indent',
  params: [
    { name: 'spaces', type: NUMBER },
    { name: 'str', type: STRING },
  ],
  returnType: STRING,
  impl([spaces, s]) {
    const n = toInt(spaces);
    const pad = ' '.repeat(Math.max(0, n));
    return Value.string(
      s
        .asString()
        .split('\n')
        .join('\n' + pad),
    );
  },
});

export const substr = defineFunction({
  description: 'substr',
  params: [
    { name: 'str', type: STRING, allowDynamicType: true },
    { name: 'offset', type: NUMBER, allowDynamicType: true },
    { name: 'length', type: NUMBER, allowDynamicType: true },
  ],
  returnType: STRING,
  impl([s, offsetValue, lengthValue]) {
    const chars = graphemes(s.asString());
    let offset = toInt(offsetValue);
    const length = toInt(lengthValue);
    if (offset < 0) offset += chars.length;
    else if (length === 0) return Value.string('');
    if (offset > 0 && offset >= chars.length) return Value.string('');
    const rest = chars.slice(Math.max(0, offset));
    if (length < 0) return Value.string(rest.join(''));
    return Value.string(rest.slice(0, length).join(''));
  },
});

/** The number of grapheme clusters in a string (cty's strlen, used by `length`). */
export function stringLength(s: string): number {
  return graphemes(s).length;
}
