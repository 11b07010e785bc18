/**
 * Type conversion and unification with cty's rules (package cty/convert): string↔number↔bool,
 * tuple→list/set, object→map, map→object, collections of convertible elements, `dynamic` passing
 * through, and cty's error wording. "Unsafe" conversions are the ones that can fail for some values
 * (string→number, list→set, map→object); HCL always allows them and reports the failure.
 */
import { BigFloat } from './bignum';
import { goQuote } from './gostrings';
import {
  BOOL,
  DYNAMIC,
  NUMBER,
  STRING,
  friendlyName,
  friendlyNameForConstraint,
  hasDynamicTypes,
  isPrimitive,
  listOf,
  mapOf,
  objectOf,
  setOf,
  tupleOf,
  typeEquals,
  withoutOptionalAttributesDeep,
  type ObjectType,
  type Type,
} from './types';
import { Value, ValueError, numberToString, type Path, type PathStep } from './values';

/** Converts a value; throws ValueError when the value cannot be converted. */
export type Conversion = (value: Value, path: Path) => Value;

export function getConversion(from: Type, to: Type, unsafe = true): Conversion | undefined {
  const known = getConversionKnown(from, to, unsafe);
  if (!known) return undefined;
  const conversion: Conversion = (value, path) => {
    if (value.isMarked()) {
      const [unmarked, marks] = value.unmark();
      return conversion(unmarked, path).withMarks(marks);
    }
    if (to.kind === 'dynamic') return value;
    if (!value.isKnown()) return Value.unknown(dynamicReplace(value.type, withoutOptionalAttributesDeep(to)));
    if (value.isNull()) return Value.null(dynamicReplace(value.type, withoutOptionalAttributesDeep(to)));
    return known(value, path);
  };
  return conversion;
}

/** Converts `value` to type `want` (cty convert.Convert); throws ValueError with cty's message. */
export function convert(value: Value, want: Type): Value {
  if (typeEquals(value.type, withoutOptionalAttributesDeep(want))) return value;
  const conversion = getConversion(value.type, want, true);
  if (!conversion) throw new ValueError(mismatchMessage(value.type, want));
  return conversion(value, []);
}

export type ConvertResult = { ok: true; value: Value } | { ok: false; error: ValueError };

export function tryConvert(value: Value, want: Type): ConvertResult {
  try {
    return { ok: true, value: convert(value, want) };
  } catch (e) {
    if (e instanceof ValueError) return { ok: false, error: e };
    throw e;
  }
}

function at(path: Path, step: PathStep): Path {
  return [...path, step];
}

const indexStep = (i: number): PathStep => ({ kind: 'index', key: Value.number(i) });

function getConversionKnown(from: Type, to: Type, unsafe: boolean): Conversion | undefined {
  if (to.kind === 'dynamic') return (v) => v;
  if (unsafe && from.kind === 'dynamic') {
    return (v, path) => {
      try {
        return convert(v, to);
      } catch (e) {
        if (e instanceof ValueError) throw new ValueError(e.reason, [...path, ...e.path]);
        throw e;
      }
    };
  }
  if (isPrimitive(from) && isPrimitive(to)) return primitiveConversion(from.kind, to.kind, unsafe);
  if (to.kind === 'object' && from.kind === 'object') return objectToObject(from, to, unsafe);
  if (to.kind === 'tuple' && from.kind === 'tuple') return tupleToTuple(from.elements, to.elements, unsafe);
  if (to.kind === 'list' && (from.kind === 'list' || from.kind === 'set')) {
    if (typeEquals(from.element, to.element)) return collectionToList(to.element, undefined);
    const elementConv = getConversion(from.element, to.element, unsafe);
    return elementConv && collectionToList(to.element, elementConv);
  }
  if (to.kind === 'set' && (from.kind === 'list' || from.kind === 'set')) {
    if (from.kind === 'list' && !unsafe) return undefined;
    if (typeEquals(from.element, to.element)) return collectionToSet(to.element, undefined);
    const elementConv = getConversion(from.element, to.element, unsafe);
    return elementConv && collectionToSet(to.element, elementConv);
  }
  if (to.kind === 'map' && from.kind === 'map') {
    const elementConv = getConversion(from.element, to.element, unsafe);
    return elementConv && collectionToMap(to.element, elementConv);
  }
  if (to.kind === 'list' && from.kind === 'tuple') return tupleToList(from.elements, to.element, unsafe);
  if (to.kind === 'set' && from.kind === 'tuple') return tupleToSet(from.elements, to.element, unsafe);
  if (to.kind === 'map' && from.kind === 'object') return objectToMap(from, to.element, unsafe);
  if (to.kind === 'object' && from.kind === 'map')
    return unsafe ? mapToObject(from.element, to, unsafe) : undefined;
  return undefined;
}

function primitiveConversion(from: string, to: string, unsafe: boolean): Conversion | undefined {
  if (from === to) return (v) => v;
  if (from === 'number' && to === 'string') return (v) => Value.string(numberToString(v.asNumber()));
  if (from === 'bool' && to === 'string') return (v) => Value.string(v.asBool() ? 'true' : 'false');
  if (!unsafe) return undefined;
  if (from === 'string' && to === 'number') {
    return (v, path) => {
      const n = BigFloat.parse(v.asString());
      if (!n) throw new ValueError('a number is required', path);
      return Value.number(n);
    };
  }
  if (from === 'string' && to === 'bool') {
    return (v, path) => {
      const s = v.asString();
      if (s === 'true' || s === '1') return Value.bool(true);
      if (s === 'false' || s === '0') return Value.bool(false);
      const lower = s.toLowerCase();
      if (lower === 'true' || lower === 'false') {
        throw new ValueError(`a bool is required; to convert from string, use lowercase "${lower}"`, path);
      }
      throw new ValueError('a bool is required', path);
    };
  }
  return undefined;
}

function nullWithoutOptionals(v: Value): Value {
  return v.isNull() ? Value.null(withoutOptionalAttributesDeep(v.type)) : v;
}

function collectionToList(ety: Type, conv: Conversion | undefined): Conversion {
  return (value, path) => {
    if (value.length() < 0) return Value.unknown(listOf(elementTypeOf(value.type)));
    const elements = value
      .elements()
      .map((e, i) => nullWithoutOptionals(conv ? conv(e, at(path, indexStep(i))) : e));
    if (elements.length === 0) {
      return Value.list(
        [],
        ety.kind === 'dynamic' ? elementTypeOf(value.type) : withoutOptionalAttributesDeep(ety),
      );
    }
    if (!allSameType(elements))
      throw new ValueError('element types must all match for conversion to list', path);
    return Value.list(elements);
  };
}

function collectionToSet(ety: Type, conv: Conversion | undefined): Conversion {
  return (value, path) => {
    const elements = value
      .elements()
      .map((e, i) => nullWithoutOptionals(conv ? conv(e, at(path, indexStep(i))) : e));
    if (elements.length === 0) {
      return Value.set(
        [],
        ety.kind === 'dynamic' ? elementTypeOf(value.type) : withoutOptionalAttributesDeep(ety),
      );
    }
    if (!allSameType(elements))
      throw new ValueError('element types must all match for conversion to set', path);
    return Value.set(elements);
  };
}

function collectionToMap(ety: Type, conv: Conversion | undefined): Conversion {
  return (value, path) => {
    const entries: [string, Value][] = value.entries().map(([k, e]) => {
      const step: PathStep = { kind: 'index', key: Value.string(k) };
      return [k, conv ? conv(e, at(path, step)) : e];
    });
    if (entries.length === 0) {
      return Value.map(
        [],
        ety.kind === 'dynamic' ? elementTypeOf(value.type) : withoutOptionalAttributesDeep(ety),
      );
    }
    let unified = entries;
    if (ety.kind === 'list' || ety.kind === 'set' || ety.kind === 'map' || ety.kind === 'object') {
      unified = unifyEntries(entries, path, false);
    }
    if (!allSameType(unified.map(([, v]) => v))) {
      throw new ValueError('element types must all match for conversion to map', path);
    }
    return Value.map(unified);
  };
}

function elementTypeOf(t: Type): Type {
  return t.kind === 'list' || t.kind === 'set' || t.kind === 'map' ? t.element : DYNAMIC;
}

function allSameType(values: readonly Value[]): boolean {
  return values.every((v) => typeEquals(v.type, values[0].type));
}

function tupleToSequence(
  elementTypes: readonly Type[],
  wantEty: Type,
  unsafe: boolean,
): { ety: Type; convs: (Conversion | undefined)[] } | undefined {
  let ety = wantEty;
  if (ety.kind === 'dynamic') {
    const unified = unify(elementTypes, unsafe);
    if (!unified) return undefined;
    ety = unified.type;
    if (ety.kind === 'dynamic' && !elementTypes.every((t) => t.kind === 'dynamic')) return undefined;
  }
  const convs: (Conversion | undefined)[] = [];
  for (const t of elementTypes) {
    if (typeEquals(t, ety)) {
      convs.push(undefined);
      continue;
    }
    const c = getConversion(t, ety, unsafe);
    if (!c) return undefined;
    convs.push(c);
  }
  return { ety, convs };
}

function tupleToSet(elementTypes: readonly Type[], setEty: Type, unsafe: boolean): Conversion | undefined {
  if (elementTypes.length === 0) return () => Value.set([], withoutOptionalAttributesDeep(setEty));
  const plan = tupleToSequence(elementTypes, setEty, unsafe);
  if (!plan) return undefined;
  return (value, path) => {
    const elements = value.elements().map((e, i) => {
      const c = plan.convs[i];
      return nullWithoutOptionals(c ? c(e, at(path, indexStep(i))) : e);
    });
    if (!allSameType(elements))
      throw new ValueError('element types must all match for conversion to set', path);
    return Value.set(elements);
  };
}

function tupleToList(elementTypes: readonly Type[], listEty: Type, unsafe: boolean): Conversion | undefined {
  if (elementTypes.length === 0) return () => Value.list([], withoutOptionalAttributesDeep(listEty));
  const plan = tupleToSequence(elementTypes, listEty, unsafe);
  if (!plan) return undefined;
  return (value, path) => {
    let elements = value.elements().map((e, i) => {
      const c = plan.convs[i];
      return c ? c(e, at(path, indexStep(i))) : e;
    });
    elements = unifyList(elements, path, unsafe);
    if (!allSameType(elements))
      throw new ValueError('element types must all match for conversion to list', path);
    return Value.list(elements);
  };
}

function objectToMap(from: ObjectType, wantEty: Type, unsafe: boolean): Conversion | undefined {
  if (from.attributes.size === 0) return () => Value.map([], withoutOptionalAttributesDeep(wantEty));
  let ety = wantEty;
  if (ety.kind === 'dynamic') {
    const unified = unify([...from.attributes.values()], unsafe);
    if (!unified) return undefined;
    ety = unified.type;
  }
  const convs = new Map<string, Conversion>();
  for (const [name, at] of from.attributes) {
    if (typeEquals(at, ety)) continue;
    const c = getConversion(at, ety, unsafe);
    if (!c) return undefined;
    convs.set(name, c);
  }
  return (value, path) => {
    let entries: [string, Value][] = value.entries().map(([k, e]) => {
      const c = convs.get(k);
      return [k, c ? c(e, at(path, { kind: 'index', key: Value.string(k) })) : e];
    });
    if (ety.kind === 'list' || ety.kind === 'set' || ety.kind === 'map' || ety.kind === 'object') {
      entries = unifyEntries(entries, path, unsafe);
    }
    if (!allSameType(entries.map(([, v]) => v))) {
      throw new ValueError('attribute types must all match for conversion to map', path);
    }
    return Value.map(entries);
  };
}

function mapToObject(mapEty: Type, to: ObjectType, unsafe: boolean): Conversion | undefined {
  const convs = new Map<string, Conversion | undefined>();
  for (const [name, at] of to.attributes) {
    if (typeEquals(at, mapEty)) {
      convs.set(name, undefined);
      continue;
    }
    const c = getConversion(mapEty, at, unsafe);
    if (!c) {
      if (to.optional.has(name) && unsafe) continue;
      return undefined;
    }
    convs.set(name, c);
  }
  return (value, path) => {
    const out = new Map<string, Value>();
    for (const [name, e] of value.entries()) {
      if (!to.attributes.has(name)) continue;
      let v = e;
      if (convs.has(name)) {
        const c = convs.get(name);
        if (c) v = c(e, at(path, { kind: 'index', key: Value.string(name) }));
      } else {
        throw new ValueError(
          `map element type is incompatible with attribute ${goQuote(name)}: ${mismatchMessage(e.type, to.attributes.get(name)!)}`,
          path,
        );
      }
      out.set(name, nullWithoutOptionals(v));
    }
    for (const [name, at] of to.attributes) {
      if (out.has(name)) continue;
      if (to.optional.has(name)) out.set(name, Value.null(at));
      else throw new ValueError(`map has no element for required attribute ${goQuote(name)}`, path);
    }
    return Value.object(out);
  };
}

function objectToObject(from: ObjectType, to: ObjectType, unsafe: boolean): Conversion | undefined {
  const convs = new Map<string, Conversion | undefined>();
  for (const [name, outAt] of to.attributes) {
    const inAt = from.attributes.get(name);
    if (!inAt) {
      if (to.optional.has(name)) continue;
      return undefined;
    }
    if (typeEquals(inAt, outAt)) {
      convs.set(name, undefined);
      continue;
    }
    const c = getConversion(inAt, outAt, unsafe);
    if (!c) return undefined;
    convs.set(name, c);
  }
  return (value, path) => {
    const out = new Map<string, Value>();
    for (const [name, e] of value.entries()) {
      if (!convs.has(name)) continue;
      const c = convs.get(name);
      const v = c ? c(e, at(path, { kind: 'attr', name })) : e;
      out.set(name, nullWithoutOptionals(v));
    }
    for (const name of to.optional) {
      if (!out.has(name)) out.set(name, Value.null(withoutOptionalAttributesDeep(to.attributes.get(name)!)));
    }
    return Value.object(out);
  };
}

function tupleToTuple(from: readonly Type[], to: readonly Type[], unsafe: boolean): Conversion | undefined {
  if (from.length !== to.length) return undefined;
  const convs: (Conversion | undefined)[] = [];
  for (let i = 0; i < to.length; i++) {
    if (typeEquals(from[i], to[i])) {
      convs.push(undefined);
      continue;
    }
    const c = getConversion(from[i], to[i], unsafe);
    if (!c) return undefined;
    convs.push(c);
  }
  return (value, path) =>
    Value.tuple(
      value.elements().map((e, i) => {
        const c = convs[i];
        return c ? c(e, at(path, indexStep(i))) : e;
      }),
    );
}

function unifyEntries(entries: [string, Value][], path: Path, unsafe: boolean): [string, Value][] {
  const unified = unify(
    entries.map(([, v]) => v.type),
    unsafe,
  );
  if (!unified) throw new ValueError('cannot find a common base type for all elements', path);
  return entries.map(([k, v]) => {
    if (typeEquals(v.type, unified.type)) return [k, v];
    const c = getConversion(v.type, unified.type, unsafe)!;
    return [k, c(v, at(path, { kind: 'index', key: Value.string(k) }))];
  });
}

function unifyList(elements: Value[], path: Path, unsafe: boolean): Value[] {
  const unified = unify(
    elements.map((v) => v.type),
    unsafe,
  );
  if (!unified) throw new ValueError('cannot find a common base type for all elements', path);
  return elements.map((v, i) => {
    if (typeEquals(v.type, unified.type)) return v;
    const c = getConversion(v.type, unified.type, unsafe)!;
    return c(v, at(path, indexStep(i)));
  });
}

/** cty's dynamicReplace: the result type of converting an unknown/null of type `from` to `to`. */
function dynamicReplace(from: Type, to: Type): Type {
  if (from.kind === 'dynamic') return to;
  switch (to.kind) {
    case 'dynamic':
      return from;
    case 'string':
    case 'number':
    case 'bool':
      return to;
    case 'map':
      if (from.kind === 'map') return mapOf(dynamicReplace(from.element, to.element));
      if (from.kind === 'object') {
        const u = unify([...from.attributes.values()], true);
        return mapOf(dynamicReplace(u?.type ?? DYNAMIC, to.element));
      }
      return to;
    case 'object': {
      const attrs: [string, Type][] = [];
      for (const [name, at] of to.attributes) {
        if (from.kind === 'map') attrs.push([name, dynamicReplace(from.element, at)]);
        else if (from.kind === 'object') {
          const fromAt = from.attributes.get(name);
          attrs.push([name, fromAt ? dynamicReplace(fromAt, at) : at]);
        }
      }
      return objectOf(attrs);
    }
    case 'set':
    case 'list': {
      const make = to.kind === 'set' ? setOf : listOf;
      if (from.kind === 'set' || from.kind === 'list') return make(dynamicReplace(from.element, to.element));
      if (from.kind === 'tuple') {
        const u = unify(from.elements, true);
        return make(dynamicReplace(u?.type ?? DYNAMIC, to.element));
      }
      return to;
    }
    case 'tuple':
      return tupleOf(
        to.elements.map((t, i) =>
          dynamicReplace(from.kind === 'tuple' ? (from.elements[i] ?? DYNAMIC) : DYNAMIC, t),
        ),
      );
  }
}

// ---- unification ----------------------------------------------------------------------------------

export interface Unified {
  type: Type;
  /** Per input type: the conversion to the unified type, or undefined when none is needed. */
  conversions: (Conversion | undefined)[];
}

/** The type every given type can convert to, preferring the most specific (cty convert.Unify). */
export function unify(types: readonly Type[], unsafe = true): Unified | undefined {
  if (types.length === 0) return undefined;
  const count = { map: 0, list: 0, set: 0, object: 0, tuple: 0, dynamic: 0 };
  for (const t of types) {
    if (t.kind in count) count[t.kind as keyof typeof count]++;
  }
  const n = types.length;
  if (count.map > 0 && count.map + count.dynamic === n)
    return unifyCollections(mapOf, types, unsafe, count.dynamic > 0);
  if (count.map > 0 && count.map + count.object + count.dynamic === n) {
    const u = unifyStructuralAs('object', types, unsafe);
    if (u && u.type.kind === 'map') return u;
  } else if (count.list > 0 && count.list + count.dynamic === n) {
    return unifyCollections(listOf, types, unsafe, count.dynamic > 0);
  } else if (count.list > 0 && count.list + count.tuple + count.dynamic === n) {
    const u = unifyStructuralAs('tuple', types, unsafe);
    if (u && u.type.kind === 'list') return u;
  } else if (count.set > 0 && count.set + count.dynamic === n) {
    return unifyCollections(setOf, types, unsafe, count.dynamic > 0);
  } else if (count.object > 0 && count.object + count.dynamic === n) {
    return unifyObjects(types, unsafe, count.dynamic > 0);
  } else if (count.tuple > 0 && count.tuple + count.dynamic === n) {
    return unifyTuples(types, unsafe, count.dynamic > 0);
  } else if (count.object > 0 && count.tuple > 0) {
    return undefined;
  }

  for (const wantIndex of sortTypes(types)) {
    const want = types[wantIndex];
    const conversions: (Conversion | undefined)[] = [];
    let ok = true;
    for (let i = 0; i < n; i++) {
      if (i === wantIndex || typeEquals(types[i], want)) {
        conversions.push(undefined);
        continue;
      }
      const c = getConversion(types[i], want, unsafe);
      if (!c) {
        ok = false;
        break;
      }
      conversions.push(c);
    }
    if (ok) return { type: want, conversions };
  }
  return undefined;
}

function toConversions(
  types: readonly Type[],
  target: Type,
  unsafe: boolean,
): (Conversion | undefined)[] | undefined {
  const out: (Conversion | undefined)[] = [];
  for (const t of types) {
    if (typeEquals(t, target)) {
      out.push(undefined);
      continue;
    }
    const c = getConversion(t, target, unsafe);
    if (!c) return undefined;
    out.push(c);
  }
  return out;
}

function allAsDynamic(types: readonly Type[]): Unified {
  return { type: DYNAMIC, conversions: types.map(() => () => Value.unknown(DYNAMIC)) };
}

function unifyCollections(
  make: (t: Type) => Type,
  types: readonly Type[],
  unsafe: boolean,
  hasDynamic: boolean,
): Unified | undefined {
  if (hasDynamic) return allAsDynamic(types);
  const ety = unify(
    types.map((t) => elementTypeOf(t)),
    unsafe,
  );
  if (!ety) return undefined;
  const target = make(ety.type);
  const conversions = toConversions(types, target, unsafe);
  return conversions && { type: target, conversions };
}

/** Unifies mixed objects+maps (as maps) or tuples+lists (as lists). */
function unifyStructuralAs(
  kind: 'object' | 'tuple',
  types: readonly Type[],
  unsafe: boolean,
): Unified | undefined {
  const structural = types.map((t, i) => [t, i] as const).filter(([t]) => t.kind === kind);
  const asCollection =
    kind === 'object'
      ? unifyObjectsToMap(
          structural.map(([t]) => t),
          unsafe,
        )
      : unifyTuplesToList(
          structural.map(([t]) => t),
          unsafe,
        );
  if (!asCollection) return undefined;
  const replaced = types.map((t) => (t.kind === kind ? asCollection.type : t));
  const u = unify(replaced, unsafe);
  if (!u || u.type.kind !== (kind === 'object' ? 'map' : 'list')) return undefined;
  const conversions = [...u.conversions];
  structural.forEach(([, index], j) => {
    const collectionConv = conversions[index];
    const structuralConv = asCollection.conversions[j];
    if (!collectionConv) conversions[index] = structuralConv;
    else if (structuralConv) {
      conversions[index] = (v, path) => collectionConv(structuralConv(v, path), path);
    }
  });
  return { type: u.type, conversions };
}

function unifyObjects(types: readonly Type[], unsafe: boolean, hasDynamic: boolean): Unified | undefined {
  if (hasDynamic) return allAsDynamic(types);
  const objects = types as readonly ObjectType[];
  const first = objects[0].attributes;
  for (const t of objects.slice(1)) {
    if (t.attributes.size !== first.size || [...t.attributes.keys()].some((k) => !first.has(k))) {
      return unifyObjectsToMap(types, unsafe);
    }
  }
  const attrs: [string, Type][] = [];
  for (const name of first.keys()) {
    const u = unify(
      objects.map((t) => t.attributes.get(name)!),
      unsafe,
    );
    if (!u) return undefined;
    attrs.push([name, u.type]);
  }
  const target = objectOf(attrs);
  const conversions = toConversions(types, target, unsafe);
  if (!conversions) return unifyObjectsToMap(types, unsafe);
  return { type: target, conversions };
}

function unifyObjectsToMap(types: readonly Type[], unsafe: boolean): Unified | undefined {
  const attributeTypes = types.flatMap((t) => (t.kind === 'object' ? [...t.attributes.values()] : []));
  const ety = unify(attributeTypes, unsafe);
  if (!ety) return undefined;
  const target = mapOf(ety.type);
  const conversions = toConversions(types, target, unsafe);
  return conversions && { type: target, conversions };
}

function unifyTuples(types: readonly Type[], unsafe: boolean, hasDynamic: boolean): Unified | undefined {
  if (hasDynamic) return allAsDynamic(types);
  const tuples = types.map((t) => (t.kind === 'tuple' ? t.elements : []));
  const first = tuples[0];
  if (tuples.some((t) => t.length !== first.length)) return unifyTuplesToList(types, unsafe);
  const elements: Type[] = [];
  for (let i = 0; i < first.length; i++) {
    const u = unify(
      tuples.map((t) => t[i]),
      unsafe,
    );
    if (!u) return undefined;
    elements.push(u.type);
  }
  const target = tupleOf(elements);
  const conversions = toConversions(types, target, unsafe);
  if (!conversions) return unifyTuplesToList(types, unsafe);
  return { type: target, conversions };
}

function unifyTuplesToList(types: readonly Type[], unsafe: boolean): Unified | undefined {
  const elementTypes = types.flatMap((t) => (t.kind === 'tuple' ? [...t.elements] : []));
  const ety = unify(elementTypes, unsafe);
  if (!ety) return undefined;
  const target = listOf(ety.type);
  const conversions = toConversions(types, target, unsafe);
  return conversions && { type: target, conversions };
}

/** cty's preference order for unification: a topological sort by "can be converted to". */
function sortTypes(types: readonly Type[]): number[] {
  const n = types.length;
  const edges: number[][] = types.map(() => []);
  for (let i = 0; i < n - 1; i++) {
    for (let j = i + 1; j < n; j++) {
      const c = compareTypes(types[i], types[j]);
      if (c < 0) edges[i].push(j);
      else if (c > 0) edges[j].push(i);
    }
  }
  const inDegree = new Array<number>(n).fill(0);
  for (const outs of edges) for (const j of outs) inDegree[j]++;
  const queue: number[] = [];
  for (let i = 0; i < n; i++) if (inDegree[i] === 0) queue.push(i);
  const result: number[] = [];
  while (queue.length > 0) {
    const i = queue.shift()!;
    result.push(i);
    for (const j of edges[i]) {
      inDegree[j]--;
      if (inDegree[j] === 0) queue.push(j);
    }
  }
  return result;
}

/** Negative when `a` is the preferred (more general) target of the two, as in cty's compareTypes. */
function compareTypes(a: Type, b: Type): number {
  if (a.kind === 'dynamic' || b.kind === 'dynamic') {
    if (a.kind !== 'dynamic') return -1;
    if (b.kind !== 'dynamic') return 1;
    return 0;
  }
  if (isPrimitive(a) && isPrimitive(b)) {
    if (a.kind === 'string' || b.kind === 'string') {
      if (a.kind !== 'string') return 1;
      if (b.kind !== 'string') return -1;
      return 0;
    }
  }
  if (
    (a.kind === 'list' && b.kind === 'list') ||
    (a.kind === 'set' && b.kind === 'set') ||
    (a.kind === 'map' && b.kind === 'map')
  ) {
    return compareTypes(a.element, b.element);
  }
  let swap = 1;
  if (
    (a.kind === 'tuple' && b.kind === 'list') ||
    (a.kind === 'object' && b.kind === 'map') ||
    (a.kind === 'set' && b.kind === 'tuple') ||
    (a.kind === 'set' && b.kind === 'list')
  ) {
    [a, b] = [b, a];
    swap = -1;
  }
  if (b.kind === 'set' && (a.kind === 'tuple' || a.kind === 'list')) return -1 * swap;
  if (a.kind === 'list' && b.kind === 'tuple') return -1 * swap;
  if (a.kind === 'map' && b.kind === 'object') return -1 * swap;
  const superiority = (pairs: [Type, Type][]): number => {
    let aSuper = false;
    let bSuper = false;
    for (const [x, y] of pairs) {
      const c = compareTypes(x, y);
      if (c < 0) aSuper = true;
      else if (c > 0) bSuper = true;
    }
    if (aSuper && bSuper) return 0;
    if (aSuper) return -1 * swap;
    if (bSuper) return 1 * swap;
    return 0;
  };
  if (a.kind === 'object' && b.kind === 'object') {
    if (a.attributes.size !== b.attributes.size) return 0;
    const pairs: [Type, Type][] = [];
    for (const [k, t] of a.attributes) {
      const other = b.attributes.get(k);
      if (!other) return 0;
      pairs.push([t, other]);
    }
    return superiority(pairs);
  }
  if (a.kind === 'tuple' && b.kind === 'tuple') {
    if (a.elements.length !== b.elements.length) return 0;
    const bElements = b.elements;
    return superiority(a.elements.map((t, i) => [t, bElements[i]] as [Type, Type]));
  }
  return 0;
}

// ---- messages ---------------------------------------------------------------------------------------

/** cty's explanation of why a value of type `got` does not convert to `want`. */
export function mismatchMessage(got: Type, want: Type): string {
  if (got.kind === 'object' && want.kind === 'object') return mismatchObjects(got, want);
  if (got.kind === 'tuple' && want.kind === 'list' && want.element.kind === 'dynamic') {
    return 'all list elements must have the same type';
  }
  if (got.kind === 'tuple' && want.kind === 'set' && want.element.kind === 'dynamic') {
    return 'all set elements must have the same type';
  }
  if (got.kind === 'object' && want.kind === 'map' && want.element.kind === 'dynamic') {
    return 'all map elements must have the same type';
  }
  const wantCollection = want.kind === 'list' || want.kind === 'set' || want.kind === 'map';
  const gotCollection = got.kind === 'list' || got.kind === 'set' || got.kind === 'map';
  if ((got.kind === 'tuple' || got.kind === 'object') && wantCollection)
    return mismatchFromStructural(got, want);
  if (gotCollection && wantCollection) return mismatchFromCollections(got, want);
  if (!likelyToConfuse(got, want)) return `${friendlyName(want)} required, but have ${friendlyName(got)}`;
  return `${friendlyNameForConstraint(want)} required`;
}

function quoteList(names: string[]): string {
  return names.map(goQuote).join(', ');
}

function mismatchObjects(got: ObjectType, want: ObjectType): string {
  const missing: string[] = [];
  let unsafeMismatch = '';
  let safeMismatch = '';
  for (const [name, wantAt] of want.attributes) {
    const gotAt = got.attributes.get(name);
    if (!gotAt) {
      if (!want.optional.has(name)) missing.push(name);
      continue;
    }
    if (typeEquals(gotAt, wantAt)) continue;
    if (unsafeMismatch !== '') continue;
    if (!getConversion(gotAt, wantAt, true))
      unsafeMismatch = `attribute ${goQuote(name)}: ${mismatchMessage(gotAt, wantAt)}`;
    if (safeMismatch !== '') continue;
    if (!getConversion(gotAt, wantAt, false))
      safeMismatch = `attribute ${goQuote(name)}: ${mismatchMessage(gotAt, wantAt)}`;
  }
  if (missing.length > 0) {
    missing.sort();
    if (missing.length === 1) return `attribute ${goQuote(missing[0])} is required`;
    if (missing.length === 2)
      return `attributes ${goQuote(missing[0])} and ${goQuote(missing[1])} are required`;
    const last = missing.pop()!;
    return `attributes ${quoteList(missing)}, and ${goQuote(last)} are required`;
  }
  if (unsafeMismatch) return unsafeMismatch;
  if (safeMismatch) return safeMismatch;
  return 'incorrect object attributes';
}

function mismatchFromStructural(got: Type, want: Type): string {
  const required = `${friendlyNameForConstraint(want)} required`;
  if ((want.kind === 'list' || want.kind === 'set') && got.kind !== 'tuple') return required;
  if (want.kind === 'map' && got.kind !== 'object') return required;
  const wantEty = elementTypeOf(want);
  if (got.kind === 'tuple') {
    for (let i = 0; i < got.elements.length; i++) {
      const gotEty = got.elements[i];
      if (typeEquals(gotEty, wantEty) || getConversion(gotEty, wantEty, true)) continue;
      return `element ${i}: ${mismatchMessage(gotEty, wantEty)}`;
    }
    return `all elements must be ${friendlyNameForConstraint(wantEty)}`;
  }
  if (got.kind === 'object') {
    for (const [name, gotAt] of got.attributes) {
      if (typeEquals(gotAt, wantEty) || getConversion(gotAt, wantEty, true)) continue;
      return `element ${goQuote(name)}: ${mismatchMessage(gotAt, wantEty)}`;
    }
    return `all elements must be ${friendlyNameForConstraint(wantEty)}`;
  }
  return required;
}

function mismatchFromCollections(got: Type, want: Type): string {
  const required = `${friendlyNameForConstraint(want)} required`;
  if ((want.kind === 'list' || want.kind === 'set') && !(got.kind === 'list' || got.kind === 'set'))
    return required;
  if (want.kind === 'map' && got.kind !== 'map') return required;
  const noun = `${want.kind} element type`;
  return `incorrect ${noun}: ${mismatchMessage(elementTypeOf(got), elementTypeOf(want))}`;
}

function likelyToConfuse(got: Type, want: Type): boolean {
  if (isPrimitive(got) !== isPrimitive(want)) return false;
  if (want.kind === 'string') return false;
  if ((want.kind === 'bool' && got.kind === 'number') || (got.kind === 'bool' && want.kind === 'number'))
    return false;
  const gotCollection = got.kind === 'list' || got.kind === 'set' || got.kind === 'map';
  const wantCollection = want.kind === 'list' || want.kind === 'set' || want.kind === 'map';
  if (
    gotCollection &&
    wantCollection &&
    !hasDynamicTypes(elementTypeOf(got)) &&
    hasDynamicTypes(elementTypeOf(want))
  ) {
    return false;
  }
  if (got.kind === 'tuple' && want.kind === 'object') return false;
  return true;
}

/** Types used by operators and functions, re-exported for convenience. */
export { BOOL, NUMBER, STRING };
