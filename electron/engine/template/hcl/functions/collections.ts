/**
 * Collection functions (cty stdlib collection.go, sequence.go, set.go; go-cty-funcs coalesce; Packer's
 * index, length, alltrue, anytrue).
 */
import { BigFloat } from '../bignum';
import { convert, tryConvert, unify } from '../convert';
import { goQuote } from '../gostrings';
import {
  BOOL,
  DYNAMIC,
  EMPTY_OBJECT,
  EMPTY_TUPLE,
  NUMBER,
  STRING,
  friendlyName,
  listOf,
  mapOf,
  objectOf,
  setOf,
  tupleOf,
  typeEquals,
  type Type,
} from '../types';
import { Value, ValueError, valuesEqual, type Mark } from '../values';
import { ArgError, defineFunction, FunctionError } from './spec';
import { stringLength } from './strings';
import { toInt } from './util';

function asFunctionError(e: unknown): never {
  if (e instanceof ValueError) throw new FunctionError(e.message);
  throw e;
}

function convertOrFail(v: Value, t: Type, argIndex?: number): Value {
  const r = tryConvert(v, t);
  if (r.ok) return r.value;
  if (argIndex !== undefined) throw new ArgError(argIndex, r.error.message);
  throw new FunctionError(r.error.message);
}

function isTrue(v: Value): boolean {
  return v.isKnown() && !v.isNull() && v.asBool();
}

export const length = defineFunction({
  description: 'length',
  params: [{ name: 'value', type: DYNAMIC, allowDynamicType: true, allowUnknown: true }],
  returnType(args) {
    const k = args[0].type.kind;
    if (k === 'bool' || k === 'number') {
      throw new FunctionError('argument must be a string, a collection type, or a structural type');
    }
    return NUMBER;
  },
  impl([v]) {
    const t = v.type;
    switch (t.kind) {
      case 'dynamic':
        return Value.unknown(NUMBER);
      case 'tuple':
        return Value.number(t.elements.length);
      case 'object':
        return Value.number(t.attributes.size);
      case 'string':
        return v.isKnown() ? Value.number(stringLength(v.asString())) : Value.unknown(NUMBER);
      default: {
        const [u, marks] = v.unmark();
        if (!u.isKnown() || u.length() < 0) return Value.unknown(NUMBER).withMarks(marks);
        return Value.number(u.length()).withMarks(marks);
      }
    }
  },
});

export const coalesce = defineFunction({
  description: 'coalesce',
  params: [],
  varParam: { name: 'vals', type: DYNAMIC, allowUnknown: true, allowDynamicType: true, allowNull: true },
  returnType(args) {
    const u = unify(
      args.map((a) => a.type),
      true,
    );
    if (!u) throw new FunctionError('all arguments must have the same type');
    return u.type;
  },
  impl(args, returnType) {
    for (const arg of args) {
      let v: Value;
      try {
        v = convert(arg, returnType);
      } catch {
        v = arg;
      }
      if (!v.isKnown()) return Value.unknown(returnType);
      if (v.isNull()) continue;
      if (returnType.kind === 'string' && !v.isMarked() && v.asString() === '') continue;
      return v;
    }
    throw new FunctionError('no non-null, non-empty-string arguments');
  },
});

export const coalescelist = defineFunction({
  description: 'coalescelist',
  params: [],
  varParam: { name: 'vals', type: DYNAMIC, allowUnknown: true, allowDynamicType: true, allowNull: true },
  returnType(args) {
    if (args.length === 0) throw new FunctionError('at least one argument is required');
    for (const a of args) {
      if (!a.isKnown()) return DYNAMIC;
      if (a.type.kind !== 'list' && a.type.kind !== 'tuple')
        throw new FunctionError('coalescelist arguments must be lists or tuples');
    }
    const first = args[0].type;
    return args.every((a) => typeEquals(a.type, first)) ? first : DYNAMIC;
  },
  impl(args, returnType) {
    for (const arg of args) {
      if (!arg.isKnown()) return Value.unknown(returnType);
      if (arg.isNull()) continue;
      if (arg.unmark()[0].length() > 0) return arg;
    }
    throw new FunctionError('no non-null arguments');
  },
});

export const compact = defineFunction({
  description: 'compact',
  params: [{ name: 'list', type: listOf(STRING) }],
  returnType: listOf(STRING),
  impl([list], returnType) {
    if (!list.isWhollyKnown()) return Value.unknown(returnType);
    const kept = list.elements().filter((v) => !v.isNull() && v.unmark()[0].asString() !== '');
    return kept.length === 0 ? Value.list([], STRING) : Value.list(kept);
  },
});

export const concat = defineFunction({
  description: 'concat',
  params: [],
  varParam: { name: 'seqs', type: DYNAMIC, allowMarked: true },
  returnType(args) {
    if (args.length === 0) throw new FunctionError('at least one argument is required');
    if (args[0].type.kind === 'list' && args.every((a) => a.type.kind === 'list')) {
      const u = unify(
        args.map((a) => a.type),
        true,
      );
      if (u) return u.type;
    }
    const types: Type[] = [];
    for (let i = 0; i < args.length; i++) {
      const [v] = args[i].unmarkDeep();
      const t = v.type;
      if (t.kind === 'tuple') types.push(...t.elements);
      else if (t.kind === 'list') {
        if (!v.isKnown()) return DYNAMIC;
        for (let j = 0; j < v.length(); j++) types.push(t.element);
      } else {
        throw new ArgError(i, `all arguments must be lists or tuples; got ${friendlyName(t)}`);
      }
    }
    return tupleOf(types);
  },
  impl(args, returnType) {
    const marks: ReadonlySet<Mark>[] = [];
    const values: Value[] = [];
    args.forEach((arg, i) => {
      const converted = returnType.kind === 'list' ? convertOrFail(arg, returnType, i) : arg;
      const [u, m] = converted.unmark();
      marks.push(m);
      values.push(...u.elements());
    });
    if (returnType.kind === 'list') {
      return (values.length === 0 ? Value.list([], returnType.element) : Value.list(values)).withMarks(
        ...marks,
      );
    }
    return Value.tuple(values).withMarks(...marks);
  },
});

export const contains = defineFunction({
  description: 'contains',
  params: [
    { name: 'list', type: DYNAMIC },
    { name: 'value', type: DYNAMIC, allowNull: true },
  ],
  returnType: BOOL,
  impl([list, value]) {
    const k = list.type.kind;
    if (k !== 'list' && k !== 'tuple' && k !== 'set')
      throw new FunctionError('argument must be list, tuple, or set');
    if (list.isNull()) throw new FunctionError('cannot search a nil list or set');
    if (list.isKnown() && list.length() === 0) return Value.bool(false);
    if (!list.isKnown() || !value.isKnown()) return Value.unknown(BOOL);
    let containsUnknown = false;
    for (const e of list.elements()) {
      const eq = valuesEqual(value, e);
      if (!eq.isKnown()) {
        containsUnknown = true;
        continue;
      }
      if (eq.unmark()[0].asBool()) return Value.bool(true);
    }
    return containsUnknown ? Value.unknown(BOOL) : Value.bool(false);
  },
});

export const distinct = defineFunction({
  description: 'distinct',
  params: [{ name: 'list', type: listOf(DYNAMIC) }],
  returnType: (args) => args[0].type,
  impl([list], returnType) {
    if (!list.isWhollyKnown()) return Value.unknown(returnType);
    const out: Value[] = [];
    for (const v of list.elements()) {
      if (!out.some((x) => isTrue(valuesEqual(x, v)))) out.push(v);
    }
    return out.length === 0 ? Value.list([], (returnType as { element: Type }).element) : Value.list(out);
  },
});

export const chunklist = defineFunction({
  description: 'chunklist',
  params: [
    { name: 'list', type: listOf(DYNAMIC), allowMarked: true },
    { name: 'size', type: NUMBER, allowMarked: true },
  ],
  returnType: (args) => listOf(args[0].type),
  impl([listValue, sizeValue]) {
    const [list, listMarks] = listValue.unmark();
    const [sizeV, sizeMarks] = sizeValue.unmark();
    let size: number;
    try {
      size = toInt(sizeV);
    } catch (e) {
      throw new FunctionError(`invalid size: ${(e as Error).message}`);
    }
    if (size < 0) throw new FunctionError('the size argument must be positive');
    if (!list.isKnown()) return Value.unknown(listOf(list.type)).withMarks(listMarks, sizeMarks);
    const elements = list.elements();
    if (elements.length === 0) return Value.list([], list.type).withMarks(listMarks, sizeMarks);
    if (size === 0) return Value.list([list]).withMarks(listMarks, sizeMarks);
    const chunks: Value[] = [];
    for (let i = 0; i < elements.length; i += size) chunks.push(Value.list(elements.slice(i, i + size)));
    return Value.list(chunks).withMarks(listMarks, sizeMarks);
  },
});

/** Flattens nested lists, sets and tuples; `known` is false when an unknown sequence was found. */
function flattener(v: Value): { out: Value[]; marks: ReadonlySet<Mark>[]; known: boolean } {
  const [list, listMarks] = v.unmark();
  const marks: ReadonlySet<Mark>[] = [listMarks];
  if (!list.isKnown() || list.length() < 0) return { out: [], marks, known: false };
  const out: Value[] = [];
  let known = true;
  for (const e of list.elements()) {
    if (e.type.kind === 'dynamic' && !e.isKnown()) known = false;
    const k = e.type.kind;
    if (!e.isNull() && (k === 'list' || k === 'set' || k === 'tuple')) {
      if (!e.isKnown()) {
        known = false;
        marks.push(e.marks);
        continue;
      }
      const inner = flattener(e);
      marks.push(...inner.marks);
      if (inner.known) out.push(...inner.out);
      else known = false;
    } else {
      out.push(e);
    }
  }
  return { out, marks, known };
}

export const flatten = defineFunction({
  description: 'flatten',
  params: [{ name: 'list', type: DYNAMIC, allowMarked: true }],
  returnType(args) {
    if (!args[0].isWhollyKnown()) return DYNAMIC;
    const k = args[0].type.kind;
    if (k !== 'list' && k !== 'set' && k !== 'tuple')
      throw new FunctionError('can only flatten lists, sets and tuples');
    const r = flattener(args[0]);
    if (!r.known) return DYNAMIC;
    return tupleOf(r.out.map((v) => v.type));
  },
  impl([list], returnType) {
    const [u, marks] = list.unmark();
    if (u.isKnown() && u.length() === 0) return Value.tuple([]).withMarks(marks);
    const r = flattener(list);
    if (!r.known) return Value.unknown(returnType).withMarks(...r.marks);
    return Value.tuple(r.out).withMarks(...r.marks);
  },
});

export const element = defineFunction({
  description: 'element',
  params: [
    { name: 'list', type: DYNAMIC, allowMarked: true },
    { name: 'index', type: NUMBER },
  ],
  returnType(args) {
    const t = args[0].type;
    if (t.kind === 'list') return t.element;
    if (t.kind === 'tuple') {
      if (!args[1].isKnown()) return DYNAMIC;
      let i: number;
      try {
        i = toInt(args[1]);
      } catch (e) {
        throw new FunctionError(`invalid index: ${(e as Error).message}`);
      }
      if (t.elements.length === 0) throw new FunctionError('cannot use element function with an empty list');
      i %= t.elements.length;
      if (i < 0) i += t.elements.length;
      return t.elements[i];
    }
    throw new FunctionError(`cannot read elements from ${friendlyName(t)}`);
  },
  impl([list, indexValue], returnType) {
    let i: number;
    try {
      i = toInt(indexValue);
    } catch (e) {
      throw new FunctionError(`invalid index: ${(e as Error).message}`);
    }
    const [input, marks] = list.unmark();
    if (!input.isKnown()) return Value.unknown(returnType);
    const elements = input.elements();
    if (elements.length === 0) throw new FunctionError('cannot use element function with an empty list');
    i %= elements.length;
    if (i < 0) i += elements.length;
    return elements[i].withMarks(marks);
  },
});

/** Packer's `index`: the position of the first element equal to the value. */
export const index = defineFunction({
  description: 'index',
  params: [
    { name: 'list', type: DYNAMIC },
    { name: 'value', type: DYNAMIC },
  ],
  returnType: NUMBER,
  impl([list, value]) {
    if (list.type.kind !== 'list' && list.type.kind !== 'tuple')
      throw new FunctionError('argument must be a list or tuple');
    if (!list.isKnown()) return Value.unknown(NUMBER);
    const elements = list.elements();
    if (elements.length === 0) throw new FunctionError('cannot search an empty list');
    for (let i = 0; i < elements.length; i++) {
      const eq = valuesEqual(elements[i], value);
      if (!eq.isKnown()) return Value.unknown(NUMBER);
      if (eq.unmark()[0].asBool()) return Value.number(i);
    }
    throw new FunctionError('item not found');
  },
});

export const keys = defineFunction({
  description: 'keys',
  params: [{ name: 'inputMap', type: DYNAMIC, allowUnknown: true, allowMarked: true }],
  returnType(args) {
    const t = args[0].type;
    if (t.kind === 'map') return listOf(STRING);
    if (t.kind === 'object')
      return t.attributes.size === 0 ? EMPTY_TUPLE : tupleOf([...t.attributes.keys()].map(() => STRING));
    throw new ArgError(0, 'must have map or object type');
  },
  impl([input], returnType) {
    const [m, marks] = input.unmark();
    if (m.type.kind === 'object') {
      return Value.tuple([...m.type.attributes.keys()].map((k) => Value.string(k))).withMarks(marks);
    }
    if (!m.isKnown()) return Value.unknown(returnType).withMarks(marks);
    const names = m.entries().map(([k]) => Value.string(k));
    return (names.length === 0 ? Value.list([], STRING) : Value.list(names)).withMarks(marks);
  },
});

export const values = defineFunction({
  description: 'values',
  params: [{ name: 'mapping', type: DYNAMIC, allowMarked: true }],
  returnType(args) {
    const t = args[0].type;
    if (t.kind === 'map') return listOf(t.element);
    if (t.kind === 'object')
      return t.attributes.size === 0 ? EMPTY_TUPLE : tupleOf([...t.attributes.values()]);
    throw new FunctionError('values() requires a map as the first argument');
  },
  impl([mapping], returnType) {
    const [m, marks] = mapping.unmark();
    const vals = m.entries().map(([, v]) => v);
    if (returnType.kind === 'tuple') return Value.tuple(vals).withMarks(marks);
    return (
      vals.length === 0 ? Value.list([], (returnType as { element: Type }).element) : Value.list(vals)
    ).withMarks(marks);
  },
});

export const lookup = defineFunction({
  description: 'lookup',
  params: [
    { name: 'inputMap', type: DYNAMIC, allowMarked: true },
    { name: 'key', type: STRING, allowMarked: true },
    { name: 'default', type: DYNAMIC, allowMarked: true },
  ],
  returnType(args) {
    const t = args[0].type;
    if (t.kind === 'object') {
      if (!args[1].isKnown()) return DYNAMIC;
      const key = args[1].unmark()[0].asString();
      const at = t.attributes.get(key);
      if (at) return at;
      if (args.length === 3) return args[2].type;
      throw new ArgError(0, `the given object has no attribute ${goQuote(key)}`);
    }
    if (t.kind === 'map') {
      if (args.length === 3 && !tryConvert(args[2], t.element).ok) {
        throw new ArgError(2, 'the default value must have the same type as the map elements');
      }
      return t.element;
    }
    throw new ArgError(0, 'lookup() requires a map as the first argument');
  },
  impl([mapValue, keyValue, defaultValue], returnType) {
    const [map, mapMarks] = mapValue.unmark();
    const [key, keyMarks] = keyValue.unmark();
    const marks = [mapMarks, keyMarks];
    if (!map.isWhollyKnown()) return Value.unknown(returnType).withMarks(...marks);
    const found = map.get(key.asString());
    if (found) return found.withMarks(...marks);
    try {
      return convert(defaultValue, returnType).withMarks(...marks);
    } catch (e) {
      return asFunctionError(e);
    }
  },
});

export const merge = defineFunction({
  description: 'merge',
  params: [],
  varParam: { name: 'maps', type: DYNAMIC, allowDynamicType: true, allowNull: true, allowMarked: true },
  returnType(args) {
    if (args.length === 0) return EMPTY_OBJECT;
    const attrs = new Map<string, Type>();
    let first: Type | undefined;
    let matching = true;
    let attrsKnown = true;
    for (let i = 0; i < args.length; i++) {
      let t = args[i].type;
      if (t.kind === 'dynamic') return DYNAMIC;
      if (t.kind !== 'map' && t.kind !== 'object') {
        throw new FunctionError(`arguments must be maps or objects, got ${goQuote(friendlyName(t))}`);
      }
      const [arg] = args[i].unmark();
      if (t.kind === 'object') {
        if (arg.isNull()) t = EMPTY_OBJECT;
        for (const [k, at] of (t as typeof EMPTY_OBJECT).attributes) attrs.set(k, at);
      } else if (!arg.isNull()) {
        if (arg.isKnown()) for (const [k] of arg.entries()) attrs.set(k, t.element);
        else attrsKnown = false;
      }
      if (i === 0) first = t;
      else if (matching && !typeEquals(t, first!)) matching = false;
    }
    if (matching) return first!;
    if (!attrsKnown) return DYNAMIC;
    return objectOf(attrs);
  },
  impl(args, returnType) {
    const out = new Map<string, Value>();
    const marks: ReadonlySet<Mark>[] = [];
    for (const arg of args) {
      if (arg.isNull()) continue;
      const [u, m] = arg.unmark();
      marks.push(m);
      if (!u.isKnown()) return Value.unknown(returnType).withMarks(...marks);
      for (const [k, v] of u.entries()) out.set(k, v);
    }
    if (returnType.kind === 'map') {
      return (out.size === 0 ? Value.map([], returnType.element) : Value.map(out)).withMarks(...marks);
    }
    return Value.object(out).withMarks(...marks);
  },
});

export const range = defineFunction({
  description: 'range',
  params: [],
  varParam: { name: 'params', type: NUMBER },
  returnType: listOf(NUMBER),
  impl(args) {
    const zero = BigFloat.fromInt(0);
    let start: BigFloat;
    let end: BigFloat;
    let step: BigFloat;
    const n = args.map((a) => a.asNumber());
    if (n.length === 1) [start, end, step] = [zero, n[0], BigFloat.fromInt(n[0].cmp(zero) < 0 ? -1 : 1)];
    else if (n.length === 2) [start, end, step] = [n[0], n[1], BigFloat.fromInt(n[1].cmp(n[0]) < 0 ? -1 : 1)];
    else if (n.length === 3) [start, end, step] = [n[0], n[1], n[2]];
    else throw new FunctionError('must have one, two, or three arguments');
    // cty means to reject a zero step but its check never fires; a zero step runs into the length limit.
    const down = step.sign < 0;
    if (down && end.cmp(start) > 0)
      throw new ArgError(1, 'end must be less than start when step is negative');
    if (!down && end.cmp(start) < 0)
      throw new ArgError(1, 'end must be greater than start when step is positive');
    const out: Value[] = [];
    for (let num = start; down ? num.cmp(end) > 0 : num.cmp(end) < 0; num = num.add(step)) {
      if (out.length >= 1024) {
        throw new FunctionError(
          'more than 1024 values were generated; either decrease the difference between start and end or use a smaller step',
        );
      }
      out.push(Value.number(num));
    }
    return out.length === 0 ? Value.list([], NUMBER) : Value.list(out);
  },
});

export const reverse = defineFunction({
  description: 'reverse',
  params: [{ name: 'list', type: DYNAMIC, allowMarked: true }],
  returnType(args) {
    const t = args[0].type;
    if (t.kind === 'tuple') return tupleOf([...t.elements].reverse());
    if (t.kind === 'list' || t.kind === 'set') return listOf(t.element);
    throw new ArgError(0, `can only reverse list or tuple values, not ${friendlyName(t)}`);
  },
  impl([list], returnType) {
    const [u, marks] = list.unmark();
    const out = [...u.elements()].reverse();
    if (returnType.kind === 'tuple') return Value.tuple(out).withMarks(marks);
    return (
      out.length === 0 ? Value.list([], (returnType as { element: Type }).element) : Value.list(out)
    ).withMarks(marks);
  },
});

function sliceIndexes(args: Value[]): { start: number; end: number; known: boolean } {
  const [list] = args[0].unmark();
  let length: number | undefined;
  if (list.type.kind === 'tuple') length = list.type.elements.length;
  else if (list.isKnown()) length = list.length();
  let start = 0;
  let end = 0;
  const read = (v: Value, i: number, what: string): number => {
    try {
      return toInt(v);
    } catch (e) {
      throw new ArgError(i, `invalid ${what} index: ${(e as Error).message}`);
    }
  };
  if (args[1].isKnown()) {
    start = read(args[1], 1, 'start');
    if (start < 0) throw new ArgError(1, 'start index must not be less than zero');
    if (length !== undefined && start > length)
      throw new ArgError(1, 'start index must not be greater than the length of the list');
  }
  if (args[2].isKnown()) {
    end = read(args[2], 2, 'end');
    if (end < 0) throw new ArgError(2, 'end index must not be less than zero');
    if (length !== undefined && end > length)
      throw new ArgError(2, 'end index must not be greater than the length of the list');
  }
  const known = args[1].isKnown() && args[2].isKnown();
  if (known && start > end) throw new ArgError(1, 'start index must not be greater than end index');
  return { start, end, known };
}

export const slice = defineFunction({
  description: 'slice',
  params: [
    { name: 'list', type: DYNAMIC, allowMarked: true },
    { name: 'start_index', type: NUMBER },
    { name: 'end_index', type: NUMBER },
  ],
  returnType(args) {
    const t = args[0].type;
    if (t.kind === 'set') {
      throw new ArgError(
        0,
        'cannot slice a set, because its elements do not have indices; explicitly convert to a list if the ordering of the result is not important',
      );
    }
    if (t.kind !== 'list' && t.kind !== 'tuple') throw new ArgError(0, 'must be a list or tuple value');
    const { start, end, known } = sliceIndexes(args);
    if (t.kind === 'list') return t;
    if (!known) return DYNAMIC;
    return tupleOf(t.elements.slice(start, end));
  },
  impl(args, returnType) {
    const [list, marks] = args[0].unmark();
    if (returnType.kind === 'dynamic') return Value.unknown(DYNAMIC).withMarks(marks);
    const { start, end } = sliceIndexes(args);
    if (!list.isKnown()) return Value.unknown(returnType).withMarks(marks);
    const out = list.elements().slice(start, end);
    if (returnType.kind === 'tuple') return Value.tuple(out).withMarks(marks);
    return (
      out.length === 0 ? Value.list([], (returnType as { element: Type }).element) : Value.list(out)
    ).withMarks(marks);
  },
});

export const sort = defineFunction({
  description: 'sort',
  params: [{ name: 'list', type: listOf(STRING), allowUnknown: true }],
  returnType: listOf(STRING),
  impl([list], returnType) {
    if (!list.isWhollyKnown()) return Value.unknown(returnType);
    const elements = list.elements();
    if (elements.length === 0) return list;
    const strings = elements.map((v, i) => {
      if (v.isNull())
        throw new FunctionError(`given list element ${i} is null; a null string cannot be sorted`);
      return v.asString();
    });
    strings.sort((a, b) => (a === b ? 0 : compareBytes(a, b)));
    return Value.list(strings.map((s) => Value.string(s)));
  },
});

function compareBytes(a: string, b: string): number {
  const ca = [...a].map((c) => c.codePointAt(0)!);
  const cb = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

function setOperationType(args: Value[]): Type {
  const etys: Type[] = [];
  for (const arg of args) {
    const ety = (arg.type as { element: Type }).element;
    if (arg.isKnown() && arg.length() === 0 && ety.kind === 'dynamic') continue;
    etys.push(ety);
  }
  if (etys.length === 0) return setOf(DYNAMIC);
  const u = unify(etys, true);
  if (!u) throw new FunctionError('given sets must all have compatible element types');
  return setOf(u.type);
}

function setOperation(name: string, op: (a: Value[], b: Value[]) => Value[], allowUnknowns: boolean) {
  const param = { type: setOf(DYNAMIC), allowDynamicType: true };
  return defineFunction({
    description: name,
    params: [{ name: 'first_set', ...param }],
    varParam: { name: 'other_sets', ...param },
    returnType: setOperationType,
    impl(args, returnType) {
      const ety = (returnType as { element: Type }).element;
      let current: Value[] | undefined;
      for (let i = 0; i < args.length; i++) {
        const s = convertOrFail(args[i], returnType, i);
        if (!allowUnknowns && !s.isWhollyKnown()) return Value.unknown(returnType);
        const elements = [...s.unmarkDeep()[0].elements()];
        current = current === undefined ? elements : op(current, elements);
      }
      return Value.set(current ?? [], ety);
    },
  });
}

const has = (list: Value[], v: Value) => list.some((x) => isTrue(valuesEqual(x, v)));

export const setunion = setOperation('setunion', (a, b) => [...a, ...b], true);
export const setintersection = setOperation('setintersection', (a, b) => a.filter((v) => has(b, v)), false);

export const setproduct = defineFunction({
  description: 'setproduct',
  params: [],
  varParam: { name: 'sets', type: DYNAMIC, allowMarked: true, allowUnknown: true },
  returnType(args) {
    if (args.length < 2) throw new FunctionError('at least two arguments are required');
    let listCount = 0;
    const etys: Type[] = args.map((arg, i) => {
      const t = arg.type;
      if (t.kind === 'set') return t.element;
      if (t.kind === 'list') {
        listCount++;
        return t.element;
      }
      if (t.kind === 'tuple') {
        listCount++;
        if (t.elements.length === 0) return DYNAMIC;
        const u = unify(t.elements, true);
        if (!u) throw new ArgError(i, 'all elements must be of the same type');
        return u.type;
      }
      throw new ArgError(i, 'a set or a list is required');
    });
    return listCount === args.length ? listOf(tupleOf(etys)) : setOf(tupleOf(etys));
  },
  impl(args, returnType) {
    const ety = (returnType as { element: Type }).element;
    const marks: ReadonlySet<Mark>[] = [];
    const lists: (readonly Value[])[] = [];
    for (const arg of args) {
      const [u, m] = arg.unmark();
      marks.push(m);
      if (!u.isKnown() || u.length() < 0) return Value.unknown(returnType).withMarks(...marks);
      lists.push(u.elements());
    }
    const subTypes = (ety as { elements: readonly Type[] }).elements;
    let product: Value[][] = [[]];
    lists.forEach((list, j) => {
      const next: Value[][] = [];
      for (const prefix of product) {
        for (const v of list) {
          let converted = v;
          if (!typeEquals(v.type, subTypes[j])) {
            try {
              converted = convert(v, subTypes[j]);
            } catch (e) {
              asFunctionError(e);
            }
          }
          next.push([...prefix, converted]);
        }
      }
      product = next;
    });
    const tuples = product.map((p) => Value.tuple(p));
    if (returnType.kind === 'list') {
      return (tuples.length === 0 ? Value.list([], ety) : Value.list(tuples)).withMarks(...marks);
    }
    return Value.set(tuples, ety).withMarks(...marks);
  },
});

export const zipmap = defineFunction({
  description: 'zipmap',
  params: [
    { name: 'keys', type: listOf(STRING), allowMarked: true },
    { name: 'values', type: DYNAMIC, allowMarked: true },
  ],
  returnType(args) {
    const [keysValue] = args[0].unmark();
    const t = args[1].type;
    if (t.kind === 'list') return mapOf(t.element);
    if (t.kind === 'tuple') {
      if (!keysValue.isWhollyKnown()) return DYNAMIC;
      const keyList = keysValue.unmarkDeep()[0].elements();
      if (keyList.length !== t.elements.length) {
        throw new FunctionError(
          `number of keys (${keyList.length}) does not match number of values (${t.elements.length})`,
        );
      }
      const attrs: [string, Type][] = keyList.map((k, i) => {
        if (k.isNull()) throw new FunctionError(`keys list has null value at index ${i}`);
        return [k.asString(), t.elements[i]];
      });
      return objectOf(attrs);
    }
    throw new FunctionError('values argument must be a list or tuple value');
  },
  impl([keysValue, valuesValue], returnType) {
    const [keyList, keyMarks] = keysValue.unmark();
    const [valueList, valueMarks] = valuesValue.unmark();
    const marks: ReadonlySet<Mark>[] = [keyMarks, valueMarks];
    if (!keyList.isWhollyKnown()) return Value.unknown(returnType).withMarks(...marks);
    if (!valueList.isKnown()) return Value.unknown(returnType).withMarks(...marks);
    const k = keyList.elements();
    const v = valueList.elements();
    if (k.length !== v.length) {
      throw new FunctionError(`number of keys (${k.length}) does not match number of values (${v.length})`);
    }
    const out = new Map<string, Value>();
    k.forEach((key, i) => {
      const [u, m] = key.unmark();
      marks.push(m);
      out.set(u.asString(), v[i]);
    });
    if (returnType.kind === 'map') {
      return (out.size === 0 ? Value.map([], returnType.element) : Value.map(out)).withMarks(...marks);
    }
    return Value.object(out).withMarks(...marks);
  },
});

function boolFold(name: 'alltrue' | 'anytrue') {
  return defineFunction({
    description: name,
    params: [{ name: 'list', type: listOf(BOOL) }],
    returnType: BOOL,
    impl([list]) {
      let unknown = false;
      for (const v of list.elements()) {
        if (!v.isKnown()) {
          if (name === 'alltrue') return Value.unknown(BOOL);
          unknown = true;
          continue;
        }
        if (v.isNull()) {
          if (name === 'alltrue') return Value.bool(false);
          continue;
        }
        const b = v.unmark()[0].asBool();
        if (name === 'alltrue' && !b) return Value.bool(false);
        if (name === 'anytrue' && b) return Value.bool(true);
      }
      if (unknown) return Value.unknown(BOOL);
      return Value.bool(name === 'alltrue');
    },
  });
}

export const alltrue = boolFold('alltrue');
export const anytrue = boolFold('anytrue');
