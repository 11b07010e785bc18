/**
 * cty's type system: primitives, collections (list, set, map: one element type), structural types
 * (tuple, object: a type per element or attribute), and `dynamic` (any type, decided later).
 * Object types used as type constraints may mark attributes optional.
 */

export type Type =
  | PrimitiveType
  | DynamicType
  | { readonly kind: 'list'; readonly element: Type }
  | { readonly kind: 'set'; readonly element: Type }
  | { readonly kind: 'map'; readonly element: Type }
  | { readonly kind: 'tuple'; readonly elements: readonly Type[] }
  | ObjectType;

export interface PrimitiveType {
  readonly kind: 'string' | 'number' | 'bool';
}

export interface DynamicType {
  readonly kind: 'dynamic';
}

export interface ObjectType {
  readonly kind: 'object';
  /** Attribute types, keys in sorted order. */
  readonly attributes: ReadonlyMap<string, Type>;
  /** Attributes that may be absent (type constraints only). */
  readonly optional: ReadonlySet<string>;
}

export type CollectionKind = 'list' | 'set' | 'map';

export const STRING: PrimitiveType = Object.freeze({ kind: 'string' });
export const NUMBER: PrimitiveType = Object.freeze({ kind: 'number' });
export const BOOL: PrimitiveType = Object.freeze({ kind: 'bool' });
export const DYNAMIC: DynamicType = Object.freeze({ kind: 'dynamic' });

const NO_OPTIONALS: ReadonlySet<string> = new Set();

/** Go's string ordering: by UTF-8 bytes, which is code point order. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    const surrogateA = ca >= 0xd800 && ca <= 0xdfff;
    const surrogateB = cb >= 0xd800 && cb <= 0xdfff;
    // A surrogate pair encodes a code point above every BMP character.
    if (surrogateA !== surrogateB) return surrogateA ? 1 : -1;
    return ca < cb ? -1 : 1;
  }
  return a.length - b.length;
}

export function sortedKeys<V>(entries: Iterable<[string, V]>): [string, V][] {
  return [...entries].sort(([a], [b]) => compareStrings(a, b));
}

export function listOf(element: Type): Type {
  return { kind: 'list', element };
}

export function setOf(element: Type): Type {
  return { kind: 'set', element };
}

export function mapOf(element: Type): Type {
  return { kind: 'map', element };
}

export function tupleOf(elements: readonly Type[]): Type {
  return { kind: 'tuple', elements };
}

export function objectOf(
  attributes: Iterable<[string, Type]> | Record<string, Type>,
  optional?: Iterable<string>,
): ObjectType {
  const entries =
    Symbol.iterator in attributes
      ? [...(attributes as Iterable<[string, Type]>)]
      : Object.entries(attributes);
  const optionalSet = optional ? new Set(optional) : NO_OPTIONALS;
  return { kind: 'object', attributes: new Map(sortedKeys(entries)), optional: optionalSet };
}

export const EMPTY_OBJECT: ObjectType = objectOf([]);
export const EMPTY_TUPLE: Type = tupleOf([]);

export function isPrimitive(t: Type): t is PrimitiveType {
  return t.kind === 'string' || t.kind === 'number' || t.kind === 'bool';
}

export function isCollection(t: Type): t is Extract<Type, { kind: CollectionKind }> {
  return t.kind === 'list' || t.kind === 'set' || t.kind === 'map';
}

export function isSequence(t: Type): boolean {
  return t.kind === 'list' || t.kind === 'set' || t.kind === 'tuple';
}

export function elementType(t: Type): Type {
  if (t.kind === 'list' || t.kind === 'set' || t.kind === 'map') return t.element;
  throw new Error(`${friendlyName(t)} has no element type`);
}

export function typeEquals(a: Type, b: Type): boolean {
  if (a === b) return true;
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'list':
    case 'set':
    case 'map':
      return typeEquals(a.element, (b as typeof a).element);
    case 'tuple': {
      const other = b as typeof a;
      return (
        a.elements.length === other.elements.length &&
        a.elements.every((t, i) => typeEquals(t, other.elements[i]))
      );
    }
    case 'object': {
      const other = b as ObjectType;
      if (a.attributes.size !== other.attributes.size || a.optional.size !== other.optional.size)
        return false;
      for (const [name, t] of a.attributes) {
        const ot = other.attributes.get(name);
        if (!ot || !typeEquals(t, ot)) return false;
      }
      for (const name of a.optional) if (!other.optional.has(name)) return false;
      return true;
    }
    default:
      return true;
  }
}

/** True when the type is or contains `dynamic`. */
export function hasDynamicTypes(t: Type): boolean {
  switch (t.kind) {
    case 'dynamic':
      return true;
    case 'list':
    case 'set':
    case 'map':
      return hasDynamicTypes(t.element);
    case 'tuple':
      return t.elements.some(hasDynamicTypes);
    case 'object':
      return [...t.attributes.values()].some(hasDynamicTypes);
    default:
      return false;
  }
}

export function withoutOptionalAttributesDeep(t: Type): Type {
  switch (t.kind) {
    case 'list':
      return listOf(withoutOptionalAttributesDeep(t.element));
    case 'set':
      return setOf(withoutOptionalAttributesDeep(t.element));
    case 'map':
      return mapOf(withoutOptionalAttributesDeep(t.element));
    case 'tuple':
      return tupleOf(t.elements.map(withoutOptionalAttributesDeep));
    case 'object':
      return objectOf(
        [...t.attributes].map(([k, v]) => [k, withoutOptionalAttributesDeep(v)] as [string, Type]),
      );
    default:
      return t;
  }
}

/** cty's `FriendlyName`: `string`, `list of number`, `map of dynamic`, `object`, `tuple`. */
export function friendlyName(t: Type): string {
  return friendly(t, false);
}

/** cty's `FriendlyNameForConstraint`: `any type`, `list of any single type`. */
export function friendlyNameForConstraint(t: Type): string {
  return friendly(t, true);
}

function friendly(t: Type, constraint: boolean): string {
  switch (t.kind) {
    case 'dynamic':
      return constraint ? 'any type' : 'dynamic';
    case 'list':
    case 'set':
    case 'map':
      return `${t.kind} of ${constraint && t.element.kind === 'dynamic' ? 'any single type' : friendly(t.element, constraint)}`;
    default:
      return t.kind;
  }
}

const IDENTIFIER = /^[\p{ID_Start}_][\p{ID_Continue}-]*$/u;

export function isValidIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** The type as a type-constraint expression (hcl typeexpr.TypeString): `list(string)`, `object({a=number})`. */
export function typeString(t: Type): string {
  switch (t.kind) {
    case 'dynamic':
      return 'any';
    case 'list':
    case 'set':
    case 'map':
      return `${t.kind}(${typeString(t.element)})`;
    case 'tuple':
      return `tuple([${t.elements.map(typeString).join(',')}])`;
    case 'object': {
      const parts = [...t.attributes].map(([name, at]) => {
        const key = isValidIdentifier(name) ? name : JSON.stringify(name);
        const inner = typeString(at);
        return `${key}=${t.optional.has(name) ? `optional(${inner})` : inner}`;
      });
      return `object({${parts.join(',')}})`;
    }
    default:
      return t.kind;
  }
}

/**
 * cty's TestConformance: does `given` fit the constraint `want` exactly (dynamic matches anything)?
 * Returns the first mismatch as a message, or undefined.
 */
export function conformanceError(given: Type, want: Type): string | undefined {
  if (want.kind === 'dynamic') return undefined;
  if (given.kind !== want.kind) return `${friendlyName(want)} required`;
  switch (want.kind) {
    case 'list':
    case 'set':
    case 'map':
      return conformanceError((given as typeof want).element, want.element);
    case 'tuple': {
      const g = given as typeof want;
      if (g.elements.length !== want.elements.length) return `tuple required`;
      for (let i = 0; i < want.elements.length; i++) {
        const err = conformanceError(g.elements[i], want.elements[i]);
        if (err) return err;
      }
      return undefined;
    }
    case 'object': {
      const g = given as ObjectType;
      for (const [name, at] of want.attributes) {
        const gt = g.attributes.get(name);
        if (!gt) return `attribute "${name}" is required`;
        const err = conformanceError(gt, at);
        if (err) return err;
      }
      for (const name of g.attributes.keys()) {
        if (!want.attributes.has(name)) return `unsupported attribute "${name}"`;
      }
      return undefined;
    }
    default:
      return undefined;
  }
}
