/**
 * cty-like values: immutable, typed, possibly null (of a type), possibly unknown (of a type, or of
 * `dynamic`), possibly marked (e.g. `sensitive`). Collections hold further Values; sets are kept
 * deduplicated in cty's iteration order; maps and objects in key order.
 */
import { BigFloat } from './bignum';
import { goQuote } from './gostrings';
import {
  BOOL,
  DYNAMIC,
  EMPTY_OBJECT,
  EMPTY_TUPLE,
  NUMBER,
  STRING,
  compareStrings,
  conformanceError,
  friendlyName,
  hasDynamicTypes,
  listOf,
  mapOf,
  objectOfSorted,
  setOf,
  sortedKeys,
  tupleOf,
  typeEquals,
  type Type,
} from './types';

export type Mark = string;
/** The mark carried by values derived from a sensitive variable. */
export const SENSITIVE: Mark = 'sensitive';

const UNKNOWN_PAYLOAD: unique symbol = Symbol('unknown');
type Payload =
  null | typeof UNKNOWN_PAYLOAD | string | boolean | BigFloat | readonly Value[] | ReadonlyMap<string, Value>;

const NO_MARKS: ReadonlySet<Mark> = new Set();

/** A character at or above U+0300 (the first combining mark): only such text can change under NFC. */
const MAYBE_NOT_NFC = /[\u0300-\uffff]/;

/** cty keeps strings in Unicode NFC; most template text is ASCII, which NFC leaves as it is. */
function nfc(s: string): string {
  return MAYBE_NOT_NFC.test(s) ? s.normalize('NFC') : s;
}

function unionMarks(sets: Iterable<ReadonlySet<Mark> | undefined>): ReadonlySet<Mark> {
  let out: Set<Mark> | undefined;
  for (const s of sets) {
    if (!s || s.size === 0) continue;
    out ??= new Set();
    for (const m of s) out.add(m);
  }
  return out ?? NO_MARKS;
}

export class Value {
  private constructor(
    readonly type: Type,
    private readonly payload: Payload,
    readonly marks: ReadonlySet<Mark> = NO_MARKS,
  ) {}

  static readonly TRUE: Value = new Value(BOOL, true);
  static readonly FALSE: Value = new Value(BOOL, false);
  static readonly EMPTY_OBJECT: Value = new Value(EMPTY_OBJECT, new Map());

  // ---- construction -------------------------------------------------------------------------------

  static string(s: string): Value {
    return new Value(STRING, nfc(s));
  }

  static number(n: BigFloat | number): Value {
    return new Value(NUMBER, typeof n === 'number' ? numberFromJS(n) : n);
  }

  static bool(b: boolean): Value {
    return b ? Value.TRUE : Value.FALSE;
  }

  static null(type: Type): Value {
    return new Value(type, null);
  }

  static unknown(type: Type): Value {
    return new Value(type, UNKNOWN_PAYLOAD);
  }

  /** A list; every element must have the same type (use convert/unify first). */
  static list(elements: readonly Value[], elementType?: Type): Value {
    const ety = elementType ?? elements[0]?.type;
    if (!ety) throw new Error('Value.list of no elements needs an element type');
    for (const e of elements) {
      if (!typeEquals(e.type, ety)) {
        throw new Error(`inconsistent list element types (${friendlyName(ety)} and ${friendlyName(e.type)})`);
      }
    }
    return new Value(listOf(ety), elements);
  }

  /** A set: duplicates dropped, elements in cty's order; element marks move to the set. */
  static set(elements: readonly Value[], elementType?: Type): Value {
    const ety = elementType ?? elements[0]?.type;
    if (!ety) throw new Error('Value.set of no elements needs an element type');
    const marks: ReadonlySet<Mark>[] = [];
    const unmarked: Value[] = [];
    for (const e of elements) {
      if (!typeEquals(e.type, ety)) {
        throw new Error(`inconsistent set element types (${friendlyName(ety)} and ${friendlyName(e.type)})`);
      }
      const [u, m] = e.unmarkDeep();
      marks.push(m);
      if (!unmarked.some((existing) => setElementsEquivalent(existing, u))) unmarked.push(u);
    }
    unmarked.sort(setElementCompare);
    return new Value(setOf(ety), unmarked, unionMarks(marks));
  }

  static map(entries: Iterable<[string, Value]> | Record<string, Value>, elementType?: Type): Value {
    const list = sortedKeys(Symbol.iterator in entries ? entries : Object.entries(entries));
    const ety = elementType ?? list[0]?.[1].type;
    if (!ety) throw new Error('Value.map of no elements needs an element type');
    for (const [, e] of list) {
      if (!typeEquals(e.type, ety)) {
        throw new Error(`inconsistent map element types (${friendlyName(ety)} and ${friendlyName(e.type)})`);
      }
    }
    return new Value(mapOf(ety), new Map(list.map(([k, v]) => [nfc(k), v])));
  }

  static tuple(elements: readonly Value[]): Value {
    return new Value(elements.length === 0 ? EMPTY_TUPLE : tupleOf(elements.map((e) => e.type)), elements);
  }

  static object(entries: Iterable<[string, Value]> | Record<string, Value>): Value {
    // Keys and values side by side, not as pairs: scopes build objects for every component.
    const keys: string[] = [];
    const values: Value[] = [];
    if (Symbol.iterator in entries) {
      for (const [k, v] of entries as Iterable<[string, Value]>) {
        keys.push(nfc(k));
        values.push(v);
      }
    } else {
      const record = entries as Record<string, Value>;
      for (const k of Object.keys(record)) {
        keys.push(nfc(k));
        values.push(record[k]);
      }
    }
    if (keys.length === 0) return Value.EMPTY_OBJECT;
    let order: number[] | undefined;
    for (let i = 1; i < keys.length; i++) {
      if (compareStrings(keys[i - 1], keys[i]) > 0) {
        // A stable sort, as sortedKeys does: of two equal keys (after NFC) the last value wins.
        order = keys.map((_, j) => j).sort((a, b) => compareStrings(keys[a], keys[b]));
        break;
      }
    }
    const types = new Map<string, Type>();
    const payload = new Map<string, Value>();
    for (let i = 0; i < keys.length; i++) {
      const j = order === undefined ? i : order[i];
      types.set(keys[j], values[j].type);
      payload.set(keys[j], values[j]);
    }
    return new Value(objectOfSorted(types), payload);
  }

  // ---- inspection ---------------------------------------------------------------------------------

  isKnown(): boolean {
    return this.payload !== UNKNOWN_PAYLOAD;
  }

  isNull(): boolean {
    return this.payload === null;
  }

  /** Known, and every nested value known too. */
  isWhollyKnown(): boolean {
    const payload = this.payload;
    if (payload === UNKNOWN_PAYLOAD) return false;
    if (Array.isArray(payload)) {
      for (const v of payload as readonly Value[]) if (!v.isWhollyKnown()) return false;
    } else if (payload instanceof Map) {
      for (const v of payload.values()) if (!v.isWhollyKnown()) return false;
    }
    return true;
  }

  isMarked(): boolean {
    return this.marks.size > 0;
  }

  hasMark(mark: Mark): boolean {
    return this.marks.has(mark);
  }

  /** True when this value or anything inside it is marked. */
  containsMarked(): boolean {
    if (this.marks.size > 0) return true;
    const payload = this.payload;
    if (Array.isArray(payload)) {
      for (const v of payload as readonly Value[]) if (v.containsMarked()) return true;
    } else if (payload instanceof Map) {
      for (const v of payload.values()) if (v.containsMarked()) return true;
    }
    return false;
  }

  /** The string; the value must be a known, non-null, unmarked-or-not string. */
  asString(): string {
    if (typeof this.payload !== 'string') throw new Error(`not a known string: ${this.describe()}`);
    return this.payload;
  }

  asNumber(): BigFloat {
    if (!(this.payload instanceof BigFloat)) throw new Error(`not a known number: ${this.describe()}`);
    return this.payload;
  }

  asBool(): boolean {
    if (typeof this.payload !== 'boolean') throw new Error(`not a known bool: ${this.describe()}`);
    return this.payload;
  }

  /** Elements of a known list, set or tuple. */
  elements(): readonly Value[] {
    if (!Array.isArray(this.payload)) throw new Error(`not a known sequence: ${this.describe()}`);
    return this.payload as readonly Value[];
  }

  /** Entries of a known map or object, in key order. */
  entries(): [string, Value][] {
    if (!(this.payload instanceof Map)) throw new Error(`not a known map or object: ${this.describe()}`);
    return [...this.payload];
  }

  /** An attribute of a known object, or an element of a known map. */
  get(key: string): Value | undefined {
    if (!(this.payload instanceof Map)) throw new Error(`not a known map or object: ${this.describe()}`);
    return this.payload.get(key);
  }

  /** True for known lists, sets, tuples, maps and objects (what `for` can iterate). */
  canIterate(): boolean {
    const k = this.type.kind;
    return k === 'list' || k === 'set' || k === 'tuple' || k === 'map' || k === 'object';
  }

  /** Key/element pairs as a `for` expression sees them: index numbers for sequences, names for maps/objects. */
  keyed(): [Value, Value][] {
    if (this.payload instanceof Map) return [...this.payload].map(([k, v]) => [Value.string(k), v]);
    if (this.type.kind === 'set') return this.elements().map((v) => [v, v]);
    return this.elements().map((v, i) => [Value.number(i), v]);
  }

  /** Number of elements of a known collection or structure (-1 when a set holds unknowns). */
  length(): number {
    if (this.payload instanceof Map) return this.payload.size;
    if (Array.isArray(this.payload)) {
      if (this.type.kind === 'set' && (this.payload as Value[]).some((v) => !v.isKnown())) return -1;
      return this.payload.length;
    }
    throw new Error(`no length for ${this.describe()}`);
  }

  // ---- marks --------------------------------------------------------------------------------------

  withMarks(...sets: (ReadonlySet<Mark> | undefined)[]): Value {
    // Most values carry no marks: nothing to union, and no new value.
    let adds = false;
    for (const s of sets) if (s !== undefined && s.size > 0) adds = true;
    if (!adds) return this;
    const marks = unionMarks([this.marks, ...sets]);
    if (marks.size === this.marks.size) return this;
    return new Value(this.type, this.payload, marks);
  }

  mark(mark: Mark): Value {
    return this.withMarks(new Set([mark]));
  }

  unmark(): [Value, ReadonlySet<Mark>] {
    if (this.marks.size === 0) return [this, NO_MARKS];
    return [new Value(this.type, this.payload), this.marks];
  }

  /** Removes marks here and inside; returns their union. */
  unmarkDeep(): [Value, ReadonlySet<Mark>] {
    if (!this.containsMarked()) return [this, NO_MARKS];
    const collected: ReadonlySet<Mark>[] = [this.marks];
    let payload: Payload = this.payload;
    if (Array.isArray(this.payload)) {
      payload = (this.payload as Value[]).map((v) => {
        const [u, m] = v.unmarkDeep();
        collected.push(m);
        return u;
      });
    } else if (this.payload instanceof Map) {
      payload = new Map(
        [...this.payload].map(([k, v]) => {
          const [u, m] = v.unmarkDeep();
          collected.push(m);
          return [k, u];
        }),
      );
    }
    return [new Value(this.type, payload), unionMarks(collected)];
  }

  /** Same marks as `other` added to this value. */
  withSameMarks(other: Value): Value {
    return this.withMarks(other.marks);
  }

  // ---- misc ---------------------------------------------------------------------------------------

  /** A short developer-facing description (never shown to template authors). */
  describe(): string {
    if (this.payload === UNKNOWN_PAYLOAD) return `unknown ${friendlyName(this.type)}`;
    if (this.payload === null) return `null ${friendlyName(this.type)}`;
    return friendlyName(this.type);
  }
}

/** A JS number as cty would hold it after parsing its shortest decimal text (infinities kept, NaN refused). */
function numberFromJS(n: number): BigFloat {
  if (Number.isSafeInteger(n)) return BigFloat.fromInt(n);
  return BigFloat.parse(String(n)) ?? BigFloat.fromFloat64(n);
}

export const TRUE: Value = Value.TRUE;
export const FALSE: Value = Value.FALSE;
export const EMPTY_OBJECT_VALUE: Value = Value.EMPTY_OBJECT;
export const EMPTY_TUPLE_VALUE: Value = Value.tuple([]);
/** An unknown value of unknown type. */
export const DYNAMIC_VALUE: Value = Value.unknown(DYNAMIC);
/** The `null` literal. */
export const NULL_DYNAMIC: Value = Value.null(DYNAMIC);

export function isNullDynamic(v: Value): boolean {
  return v.isNull() && v.type.kind === 'dynamic' && !v.isMarked();
}

// ---- numbers ----------------------------------------------------------------------------------------

/** cty's number-to-string conversion (`Text('f', -1)`). */
export function numberToString(n: BigFloat): string {
  return n.toFixedShortest();
}

/** cty's number equality: integers exactly, other numbers by their shortest decimal text. */
export function numbersEqual(a: BigFloat, b: BigFloat): boolean {
  if (a.sign !== b.sign) return false;
  const ai = a.toBigInt();
  const bi = b.toBigInt();
  const aExact = ai !== undefined && ai.accuracy === 0;
  const bExact = bi !== undefined && bi.accuracy === 0;
  if (aExact !== bExact) return false;
  if (aExact && bExact) return ai.value === bi.value;
  const clean = (s: string) => (s === '-0' ? '0' : s);
  return clean(a.toFixedShortest()) === clean(b.toFixedShortest());
}

// ---- equality -----------------------------------------------------------------------------------

/**
 * cty's `Equals`: a bool, or an unknown bool when the answer depends on unknown values.
 * Nulls of any type are equal to one another; marks carry over to the result.
 */
export function valuesEqual(a: Value, b: Value): Value {
  if (a.containsMarked() || b.containsMarked()) {
    const [ua, deepA] = a.unmarkDeep();
    const [ub, deepB] = b.unmarkDeep();
    let ma = deepA;
    let mb = deepB;
    if (a.isNull() !== b.isNull()) {
      ma = a.marks;
      mb = b.marks;
    }
    return valuesEqual(ua, ub).withMarks(ma, mb);
  }
  if (a.isNull() && b.isKnown() && !b.isNull()) return FALSE;
  if (b.isNull() && a.isKnown() && !a.isNull()) return FALSE;
  const unknownBool = Value.unknown(BOOL);
  if (!a.isKnown() && !b.isKnown()) return unknownBool;
  if (a.isKnown() !== b.isKnown()) {
    const [known, unknown] = a.isKnown() ? [a, b] : [b, a];
    if (known.isNull() || hasDynamicTypes(unknown.type)) return unknownBool;
    if (!typeEquals(known.type, unknown.type)) return FALSE;
    return unknownBool;
  }
  if (a.isNull() && b.isNull()) return TRUE;
  if (a.isNull() || b.isNull()) return FALSE;
  if (!hasWhollyKnownType(a) || !hasWhollyKnownType(b)) {
    if (conformanceError(a.type, b.type) !== undefined && conformanceError(b.type, a.type) !== undefined)
      return FALSE;
    return unknownBool;
  }
  if (!typeEquals(a.type, b.type)) return FALSE;
  switch (a.type.kind) {
    case 'number':
      return Value.bool(numbersEqual(a.asNumber(), b.asNumber()));
    case 'string':
      return Value.bool(a.asString() === b.asString());
    case 'bool':
      return Value.bool(a.asBool() === b.asBool());
    case 'list':
    case 'tuple': {
      const ea = a.elements();
      const eb = b.elements();
      if (ea.length !== eb.length) return FALSE;
      let result = true;
      for (let i = 0; i < ea.length; i++) {
        const eq = valuesEqual(ea[i], eb[i]);
        if (!eq.isKnown()) return unknownBool;
        if (!eq.asBool()) {
          result = false;
          break;
        }
      }
      return Value.bool(result);
    }
    case 'set': {
      const ea = a.elements();
      const eb = b.elements();
      if (ea.some((v) => !v.isKnown()) || eb.some((v) => !v.isKnown())) return unknownBool;
      const contains = (list: readonly Value[], v: Value) => list.some((x) => setElementsEquivalent(x, v));
      return Value.bool(ea.every((v) => contains(eb, v)) && eb.every((v) => contains(ea, v)));
    }
    case 'map':
    case 'object': {
      const ea = a.entries();
      const eb = new Map(b.entries());
      if (ea.length !== eb.size) return FALSE;
      let result = true;
      for (const [k, v] of ea) {
        const other = eb.get(k);
        if (!other) {
          result = false;
          break;
        }
        const eq = valuesEqual(v, other);
        if (!eq.isKnown()) return unknownBool;
        if (!eq.asBool()) {
          result = false;
          break;
        }
      }
      return Value.bool(result);
    }
    default:
      return unknownBool;
  }
}

/** cty's HasWhollyKnownType: no unknown value of dynamic type anywhere inside. */
function hasWhollyKnownType(v: Value): boolean {
  if (v.isNull()) return true;
  if (!v.isKnown()) return !hasDynamicTypes(v.type);
  if (v.canIterate()) {
    const children =
      v.type.kind === 'map' || v.type.kind === 'object' ? v.entries().map(([, e]) => e) : v.elements();
    return children.every(hasWhollyKnownType);
  }
  return true;
}

/** Exact sameness: same type, marks, knownness and content (cty's `RawEquals`). */
export function rawEquals(a: Value, b: Value): boolean {
  if (!typeEquals(a.type, b.type)) return false;
  if (a.marks.size !== b.marks.size || [...a.marks].some((m) => !b.marks.has(m))) return false;
  if (a.isKnown() !== b.isKnown()) return false;
  if (!a.isKnown()) return true;
  if (a.isNull() || b.isNull()) return a.isNull() === b.isNull();
  switch (a.type.kind) {
    case 'number':
      return numbersEqual(a.asNumber(), b.asNumber());
    case 'string':
      return a.asString() === b.asString();
    case 'bool':
      return a.asBool() === b.asBool();
    case 'list':
    case 'tuple':
    case 'set': {
      const ea = a.elements();
      const eb = b.elements();
      return ea.length === eb.length && ea.every((v, i) => rawEquals(v, eb[i]));
    }
    case 'map':
    case 'object': {
      const ea = a.entries();
      const eb = b.entries();
      return ea.length === eb.length && ea.every(([k, v], i) => k === eb[i][0] && rawEquals(v, eb[i][1]));
    }
    default:
      return false;
  }
}

// ---- sets ---------------------------------------------------------------------------------------

/** Two set elements are the same member only when they are known and equal. */
function setElementsEquivalent(a: Value, b: Value): boolean {
  const eq = valuesEqual(a, b);
  return eq.isKnown() && !eq.isNull() && eq.asBool();
}

/** cty's set order: nulls and unknowns last; strings, numbers and bools by value; others by hash. */
function setElementCompare(a: Value, b: Value): number {
  if (setElementsEquivalent(a, b)) return 0;
  if (a.isNull() !== b.isNull()) return a.isNull() ? 1 : -1;
  if (a.isKnown() !== b.isKnown()) return a.isKnown() ? -1 : 1;
  if (!a.isKnown() || a.isNull()) return 0;
  switch (a.type.kind) {
    case 'string':
      return compareStrings(a.asString(), b.asString());
    case 'bool':
      return a.asBool() === b.asBool() ? 0 : a.asBool() ? 1 : -1;
    case 'number':
      return a.asNumber().cmp(b.asNumber());
    default:
      return compareStrings(setHash(a), setHash(b));
  }
}

/** The string cty hashes set elements by; only its order matters here. */
function setHash(v: Value): string {
  if (!v.isKnown()) return '?';
  if (v.isNull()) return '~';
  switch (v.type.kind) {
    case 'number':
      return v.asNumber().toString();
    case 'bool':
      return v.asBool() ? 'T' : 'F';
    case 'string':
      return JSON.stringify(v.asString());
    case 'map':
      return (
        '{' +
        v
          .entries()
          .map(([k, e]) => `${JSON.stringify(k)}:${setHash(e)};`)
          .join('') +
        '}'
      );
    case 'list':
    case 'set':
      return (
        '[' +
        v
          .elements()
          .map((e) => setHash(e) + ';')
          .join('') +
        ']'
      );
    case 'object':
      return (
        '<' +
        v
          .entries()
          .map(([, e]) => setHash(e) + ';')
          .join('') +
        '>'
      );
    case 'tuple':
      return (
        '<' +
        v
          .elements()
          .map((e) => setHash(e) + ';')
          .join('') +
        '>'
      );
    default:
      return '';
  }
}

// ---- paths --------------------------------------------------------------------------------------

/** A step into a value: an attribute name or an index/key. */
export type PathStep = { kind: 'attr'; name: string } | { kind: 'index'; key: Value };
export type Path = readonly PathStep[];

/** Terraform-style rendering of a path: `.name`, `[0]`, `["key"]`. */
export function formatPath(path: Path): string {
  return path
    .map((step) => {
      if (step.kind === 'attr') return `.${step.name}`;
      const key = step.key;
      if (!key.isKnown() || key.isNull()) return '[?]';
      if (key.type.kind === 'number') return `[${numberToString(key.asNumber())}]`;
      if (key.type.kind === 'string') return `[${goQuote(key.asString())}]`;
      return '[?]';
    })
    .join('');
}

/** An error about a value at a path (cty's PathError); the message is cty's wording. */
export class ValueError extends Error {
  constructor(
    readonly reason: string,
    readonly path: Path = [],
  ) {
    super(path.length > 0 ? `${formatPath(path)}: ${reason}` : reason);
  }
}
