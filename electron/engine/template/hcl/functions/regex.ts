/**
 * `regex`, `regexall` and `regex_replace` (cty stdlib regexp.go, string_replace.go) over Go RE2 patterns
 * translated to JavaScript (re2.ts).
 */
import { DYNAMIC, STRING, listOf, objectOf, tupleOf, type Type } from '../types';
import { Value } from '../values';
import {
  compileRE2,
  findAll,
  findFirst,
  replaceAll,
  RE2Error,
  RE2UnsupportedError,
  type CompiledRE2,
  type MatchIndexes,
} from './re2';
import { ArgError, defineFunction, FunctionError } from './spec';

function compileForType(pattern: string): { compiled: CompiledRE2; type: Type } {
  let compiled: CompiledRE2;
  try {
    compiled = compileRE2(pattern);
  } catch (e) {
    if (e instanceof RE2Error) throw new ArgError(0, `invalid regexp pattern: ${e.code} in ${e.expr}`);
    if (e instanceof RE2UnsupportedError) throw new ArgError(0, e.message);
    throw e;
  }
  const names = compiled.groupNames.slice(1);
  const unnamed = names.filter((n) => n === '').length;
  const named = names.filter((n) => n !== '');
  if (unnamed === 0 && named.length === 0) return { compiled, type: STRING };
  if (unnamed > 0 && named.length > 0) {
    throw new ArgError(0, 'invalid regexp pattern: cannot mix both named and unnamed capture groups');
  }
  if (unnamed > 0) return { compiled, type: tupleOf(names.map(() => STRING)) };
  return { compiled, type: objectOf(named.map((n) => [n, STRING] as [string, Type])) };
}

function matchResult(compiled: CompiledRE2, s: string, m: MatchIndexes, type: Type): Value {
  const group = (i: number) =>
    m[2 * i] < 0 ? Value.null(STRING) : Value.string(s.slice(m[2 * i], m[2 * i + 1]));
  if (type.kind === 'string') return group(0);
  const indexes = compiled.groupNames.map((_, i) => i).slice(1);
  if (type.kind === 'tuple') return Value.tuple(indexes.map(group));
  return Value.object(indexes.map((i) => [compiled.groupNames[i], group(i)] as [string, Value]));
}

export const regex = defineFunction({
  description: 'regex',
  params: [
    { name: 'pattern', type: STRING },
    { name: 'string', type: STRING },
  ],
  returnType: (args) => (args[0].isKnown() ? compileForType(args[0].asString()).type : DYNAMIC),
  impl([pattern, str], returnType) {
    const { compiled } = compileForType(pattern.asString());
    const s = str.asString();
    const m = findFirst(compiled, s);
    if (!m) throw new FunctionError('pattern did not match any part of the given string');
    return matchResult(compiled, s, m, returnType);
  },
});

export const regexall = defineFunction({
  description: 'regexall',
  params: [
    { name: 'pattern', type: STRING },
    { name: 'string', type: STRING },
  ],
  returnType: (args) => listOf(args[0].isKnown() ? compileForType(args[0].asString()).type : DYNAMIC),
  impl([pattern, str], returnType) {
    const ety = (returnType as { element: Type }).element;
    const { compiled } = compileForType(pattern.asString());
    const s = str.asString();
    const matches = findAll(compiled, s);
    if (matches.length === 0) return Value.list([], ety);
    return Value.list(matches.map((m) => matchResult(compiled, s, m, ety)));
  },
});

export const regexReplace = defineFunction({
  description: 'regex_replace',
  params: [
    { name: 'str', type: STRING },
    { name: 'pattern', type: STRING },
    { name: 'replace', type: STRING },
  ],
  returnType: STRING,
  impl([str, pattern, replacement]) {
    let compiled: CompiledRE2;
    try {
      compiled = compileRE2(pattern.asString());
    } catch (e) {
      if (e instanceof RE2Error || e instanceof RE2UnsupportedError) throw new FunctionError(e.message);
      throw e;
    }
    return Value.string(replaceAll(compiled, str.asString(), replacement.asString()));
  },
});
