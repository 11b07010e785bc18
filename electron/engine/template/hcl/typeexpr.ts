/**
 * Type constraint expressions (hcl ext/typeexpr): `string`, `number`, `bool`, `any`, `list(T)`, `set(T)`,
 * `map(T)`, `tuple([T, ...])`, `object({a = T, b = optional(T, default)})`, read from the expression's
 * syntax tree without evaluating it (except `optional` defaults, which must be constants).
 */
import { error, type Diagnostic, type Range } from '../source';
import type { Expression, FunctionCallExpr } from './ast';
import { tryConvert, unify } from './convert';
import {
  BOOL,
  DYNAMIC,
  NUMBER,
  STRING,
  listOf,
  mapOf,
  objectOf,
  setOf,
  tupleOf,
  typeEquals,
  type Type,
} from './types';
import { Value } from './values';

const INVALID = 'Invalid type specification';

/** Default values for optional object attributes, nested like the type they belong to. */
export interface TypeDefaults {
  type: Type;
  /** Attribute name → default value, for the object attributes declared `optional(T, default)`. */
  defaultValues?: Map<string, Value>;
  /** Defaults for nested types: attribute name, tuple index as text, or "" for collection elements. */
  children?: Map<string, TypeDefaults>;
}

export interface TypeResult {
  type: Type;
  defaults?: TypeDefaults;
  diagnostics: Diagnostic[];
}

/** Evaluates a constant expression (no variables, no functions), for `optional` defaults. */
export type ConstantEvaluator = (expr: Expression) => { value: Value; diagnostics: Diagnostic[] };

/** The keyword an expression spells, if it is a bare name (hcl.ExprAsKeyword). */
export function exprAsKeyword(expr: Expression): string {
  if (expr.kind === 'ScopeTraversal' && expr.steps.length === 0) return expr.root;
  if (expr.kind === 'Literal') {
    if (expr.value === null) return 'null';
    if (expr.value === true) return 'true';
    if (expr.value === false) return 'false';
  }
  return '';
}

function argsRange(call: FunctionCallExpr): Range {
  return { file: call.openParenRange.file, start: call.openParenRange.start, end: call.closeParenRange.end };
}

function between(a: Range, b: Range): Range {
  return { file: a.file, start: a.start, end: b.end };
}

/** A type constraint (`any` allowed), as for a variable's `type`. */
export function typeConstraint(expr: Expression): TypeResult {
  return getType(expr, true, undefined);
}

/** A type constraint whose `optional(T, default)` attributes carry defaults. */
export function typeConstraintWithDefaults(
  expr: Expression,
  evaluateConstant: ConstantEvaluator,
): TypeResult {
  return getType(expr, true, evaluateConstant);
}

/** An exact type (`any` and `optional` rejected). */
export function exactType(expr: Expression): TypeResult {
  return getType(expr, false, undefined);
}

function fail(detail: string, range: Range): TypeResult {
  return { type: DYNAMIC, diagnostics: [error(INVALID, detail, range)] };
}

function getType(
  expr: Expression,
  constraint: boolean,
  evaluateConstant: ConstantEvaluator | undefined,
): TypeResult {
  const keyword = exprAsKeyword(expr);
  switch (keyword) {
    case 'bool':
      return { type: BOOL, diagnostics: [] };
    case 'string':
      return { type: STRING, diagnostics: [] };
    case 'number':
      return { type: NUMBER, diagnostics: [] };
    case 'any':
      if (constraint) return { type: DYNAMIC, diagnostics: [] };
      return fail(
        `The keyword "any" cannot be used in this type specification: an exact type is required.`,
        expr.range,
      );
    case 'list':
    case 'map':
    case 'set':
      return fail(
        `The ${keyword} type constructor requires one argument specifying the element type.`,
        expr.range,
      );
    case 'object':
      return fail(
        'The object type constructor requires one argument specifying the attribute types and values as a map.',
        expr.range,
      );
    case 'tuple':
      return fail(
        'The tuple type constructor requires one argument specifying the element types as a list.',
        expr.range,
      );
    case '':
      break;
    default:
      return fail(`The keyword "${keyword}" is not a valid type specification.`, expr.range);
  }

  if (expr.kind !== 'FunctionCall' || expr.expandFinal) {
    return fail(
      'A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).',
      expr.range,
    );
  }
  const call = expr;
  const args = call.args;
  switch (call.name) {
    case 'bool':
    case 'string':
    case 'number':
      return fail(`Primitive type keyword "${call.name}" does not expect arguments.`, argsRange(call));
    case 'any':
      return fail(`Type constraint keyword "${call.name}" does not expect arguments.`, argsRange(call));
  }
  if (args.length !== 1) {
    const subject = args.length > 1 ? between(args[1].range, args[args.length - 1].range) : argsRange(call);
    switch (call.name) {
      case 'list':
      case 'set':
      case 'map':
        return fail(
          `The ${call.name} type constructor requires one argument specifying the element type.`,
          subject,
        );
      case 'object':
        return fail(
          'The object type constructor requires one argument specifying the attribute types and values as a map.',
          subject,
        );
      case 'tuple':
        return fail(
          'The tuple type constructor requires one argument specifying the element types as a list.',
          subject,
        );
    }
  }

  switch (call.name) {
    case 'list':
    case 'set':
    case 'map': {
      const inner = getType(args[0], constraint, evaluateConstant);
      const make = call.name === 'list' ? listOf : call.name === 'set' ? setOf : mapOf;
      const type = make(inner.type);
      const defaults = inner.defaults ? { type, children: new Map([['', inner.defaults]]) } : undefined;
      return { type, defaults, diagnostics: inner.diagnostics };
    }
    case 'object':
      return objectType(call, constraint, evaluateConstant);
    case 'tuple': {
      const list = args[0];
      if (list.kind !== 'Tuple') {
        return {
          type: DYNAMIC,
          diagnostics: [
            error(INVALID, 'Tuple type constructor requires a list of element types.', list.range),
          ],
        };
      }
      const diagnostics: Diagnostic[] = [];
      const children = new Map<string, TypeDefaults>();
      const elements = list.items.map((item, i) => {
        const r = getType(item, constraint, evaluateConstant);
        diagnostics.push(...r.diagnostics);
        if (r.defaults) children.set(String(i), r.defaults);
        return r.type;
      });
      const type = tupleOf(elements);
      return { type, defaults: children.size > 0 ? { type, children } : undefined, diagnostics };
    }
    case 'optional':
      return {
        type: DYNAMIC,
        diagnostics: [
          error(
            INVALID,
            `Keyword "optional" is valid only as a modifier for object type attributes.`,
            call.nameRange,
          ),
        ],
      };
    default:
      return fail(`Keyword "${call.name}" is not a valid type constructor.`, expr.range);
  }
}

function objectType(
  call: FunctionCallExpr,
  constraint: boolean,
  evaluateConstant: ConstantEvaluator | undefined,
): TypeResult {
  const map = call.args[0];
  if (map.kind !== 'Object') {
    return {
      type: DYNAMIC,
      diagnostics: [
        error(
          INVALID,
          'Object type constructor requires a map whose keys are attribute names and whose values are the corresponding attribute types.',
          map.range,
        ),
      ],
    };
  }
  const diagnostics: Diagnostic[] = [];
  const attributes = new Map<string, Type>();
  const optional: string[] = [];
  const defaultValues = new Map<string, Value>();
  const children = new Map<string, TypeDefaults>();
  for (const item of map.items) {
    const name = item.keyIsExpression ? '' : exprAsKeyword(item.key);
    if (name === '') {
      diagnostics.push(
        error(INVALID, 'Object constructor map keys must be attribute names.', item.key.range),
      );
      continue;
    }
    if (attributes.has(name)) {
      diagnostics.push(error(INVALID, 'Object constructor map keys must be unique.', item.key.range));
      continue;
    }
    let typeExpr = item.value;
    let defaultExpr: Expression | undefined;
    if (typeExpr.kind === 'FunctionCall' && typeExpr.name === 'optional' && !typeExpr.expandFinal) {
      const opt = typeExpr;
      if (opt.args.length < 1) {
        diagnostics.push(
          error(
            INVALID,
            'Optional attribute modifier requires the attribute type as its argument.',
            argsRange(opt),
          ),
        );
        continue;
      }
      if (!constraint) {
        diagnostics.push(
          error(
            INVALID,
            'Optional attribute modifier is only for type constraints, not for exact types.',
            opt.nameRange,
          ),
        );
      } else if (evaluateConstant) {
        if (opt.args.length === 2) {
          defaultExpr = opt.args[1];
          const evaluated = evaluateConstant(defaultExpr);
          diagnostics.push(...evaluated.diagnostics);
          if (!evaluated.diagnostics.some((d) => d.severity === 'error')) {
            optional.push(name);
            defaultValues.set(name, evaluated.value);
          }
        } else if (opt.args.length === 1) {
          optional.push(name);
        } else {
          diagnostics.push(
            error(
              INVALID,
              'Optional attribute modifier expects at most two arguments: the attribute type, and a default value.',
              argsRange(opt),
            ),
          );
        }
      } else if (opt.args.length === 1) {
        optional.push(name);
      } else {
        diagnostics.push(
          error(
            INVALID,
            'Optional attribute modifier expects only one argument: the attribute type.',
            argsRange(opt),
          ),
        );
      }
      typeExpr = opt.args[0];
    }
    const inner = getType(typeExpr, constraint, evaluateConstant);
    diagnostics.push(...inner.diagnostics);
    const defaultValue = defaultValues.get(name);
    if (defaultValue && defaultExpr) {
      const converted = tryConvert(defaultValue, inner.type);
      if (converted.ok) defaultValues.set(name, converted.value);
      else {
        diagnostics.push(
          error(
            'Invalid default value for optional attribute',
            `This default value is not compatible with the attribute's type constraint: ${converted.error.message}.`,
            defaultExpr.range,
          ),
        );
        defaultValues.delete(name);
      }
    }
    attributes.set(name, inner.type);
    if (inner.defaults) children.set(name, inner.defaults);
  }
  const type = objectOf(attributes, optional);
  const defaults =
    defaultValues.size > 0 || children.size > 0
      ? {
          type,
          defaultValues: defaultValues.size > 0 ? defaultValues : undefined,
          children: children.size > 0 ? children : undefined,
        }
      : undefined;
  return { type, defaults, diagnostics };
}

/** Fills in defaults for absent or null optional attributes (typeexpr Defaults.Apply). */
export function applyDefaults(defaults: TypeDefaults, value: Value): Value {
  if (!value.isKnown() || value.isNull()) return value;
  if (!defaults.defaultValues && !defaults.children) return value;
  const [v, marks] = value.unmark();
  const kind = v.type.kind;
  const child = (key: string | number): TypeDefaults | undefined => {
    if (typeof key === 'number' && defaults.type.kind === 'tuple') return defaults.children?.get(String(key));
    if (typeof key === 'string' && defaults.type.kind === 'object') return defaults.children?.get(key);
    return defaults.children?.get('');
  };
  let result: Value;
  if (kind === 'set' || kind === 'list' || kind === 'tuple') {
    const elements = v.elements().map((e, i) => {
      const d = child(i);
      return d ? applyDefaults(d, e) : e;
    });
    result = Value.tuple(elements);
    if (kind === 'set' || kind === 'list') {
      const ety = (v.type as { element: Type }).element;
      if (elements.length === 0) result = kind === 'set' ? Value.set([], ety) : Value.list([], ety);
      else {
        const unified = unifyValues(elements);
        if (unified) result = kind === 'set' ? Value.set(unified) : Value.list(unified);
      }
    }
  } else if (kind === 'object' || kind === 'map') {
    const entries = new Map(
      v.entries().map(([k, e]) => {
        const d = child(k);
        return [k, d ? applyDefaults(d, e) : e] as [string, Value];
      }),
    );
    for (const [key, defaultValue] of defaults.defaultValues ?? []) {
      const existing = entries.get(key);
      if (!existing || existing.isNull()) {
        const d = defaults.children?.get(key);
        entries.set(key, d ? applyDefaults(d, defaultValue) : defaultValue);
      }
    }
    result = Value.object(entries);
    if (kind === 'map') {
      const ety = (v.type as { element: Type }).element;
      if (entries.size === 0) result = Value.map([], ety);
      else {
        const keys = [...entries.keys()];
        const unified = unifyValues([...entries.values()]);
        if (unified) result = Value.map(keys.map((k, i) => [k, unified[i]] as [string, Value]));
      }
    }
  } else {
    return value;
  }
  return result.withMarks(marks);
}

function unifyValues(values: Value[]): Value[] | undefined {
  const u = unify(
    values.map((v) => v.type),
    true,
  );
  if (!u) return undefined;
  try {
    return values.map((v, i) => {
      const c = u.conversions[i];
      return c && !typeEquals(v.type, u.type) ? c(v, []) : v;
    });
  } catch {
    return undefined;
  }
}
