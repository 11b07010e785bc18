/**
 * The loader's view of the HCL evaluator: one place that knows how scopes become eval contexts, which
 * function table applies (env() only in variable defaults), and how values are read as meta-arguments.
 */
import type { Expression } from '../hcl/ast';
import type { ConfigValue } from '../config';
import type { TemplateHost } from '../host';
import type { Diagnostic, Range } from '../source';
import { parseHclExpression, parseHclTemplate } from '../hcl/parser';
import { evaluate as evaluateHcl, type EvalContext } from '../hcl/eval';
import { Value, DYNAMIC_VALUE, SENSITIVE } from '../hcl/values';
import { tryConvert } from '../hcl/convert';
import { displayValue, toConfigValue } from '../hcl/display';
import { typeConstraintWithDefaults, applyDefaults } from '../hcl/typeexpr';
import type { TypeDefaults } from '../hcl/typeexpr';
import { referencedTraversals } from '../hcl/references';
import { DEFAULT_FUNCTION_NOTES, packerFunctions, variableDefaultFunctions } from '../hcl/functions/index';
import type { FunctionTable } from '../hcl/functions/index';
import type { Type } from '../hcl/types';
import { BOOL, DYNAMIC, NUMBER, STRING, listOf, typeString } from '../hcl/types';

export { Value };
export type HclType = { type: Type; defaults?: TypeDefaults };

export interface Scope {
  /** Root names (`var`, `local`, `path`, `source`, `build`, `data`, iterator names). */
  variables: Record<string, Value>;
  host: TemplateHost;
  /** `path.root`: where `file()`, `templatefile()`... resolve relative paths. */
  pathRoot: string;
  /** True only while evaluating variable defaults: `env()` is allowed there. */
  allowEnv: boolean;
  /** One set per load: some functions (legacy_isotime) fix their clock at first use, as Packer's do per run. */
  functions?: FunctionTables;
  /** Evaluation's own cache (see contextOf); never set it. */
  cachedContext?: CachedContext;
}

interface CachedContext {
  variables: Record<string, Value>;
  functions: FunctionTables | undefined;
  allowEnv: boolean;
  host: TemplateHost;
  pathRoot: string;
  context: EvalContext;
}

export interface FunctionTables {
  template: FunctionTable;
  variableDefaults: FunctionTable;
}

export function newFunctionTables(): FunctionTables {
  return { template: packerFunctions(), variableDefaults: variableDefaultFunctions() };
}

let fallbackTables: FunctionTables | undefined;

const parseTemplate = (text: string, file: string) => parseHclTemplate(text, file);

/**
 * A scope's evaluation context (its variables as a Map, its function table), made once: every attribute
 * of a body evaluates in the same scope. Cached on the scope itself and checked against the parts it
 * was made from, since a scope derived by spreading (`{ ...scope, variables }`) copies the cache along;
 * a WeakMap (or a non-enumerable property) did the same job at several times the cost per scope.
 */
function contextOf(scope: Scope): EvalContext {
  const cached = scope.cachedContext;
  if (
    cached &&
    cached.variables === scope.variables &&
    cached.functions === scope.functions &&
    cached.allowEnv === scope.allowEnv &&
    cached.host === scope.host &&
    cached.pathRoot === scope.pathRoot
  ) {
    return cached.context;
  }
  const tables = scope.functions ?? (fallbackTables ??= newFunctionTables());
  const variables = new Map<string, Value>();
  for (const name of Object.keys(scope.variables)) variables.set(name, scope.variables[name]);
  const context: EvalContext = {
    variables,
    functions: scope.allowEnv ? tables.variableDefaults : tables.template,
    host: scope.host,
    baseDir: scope.pathRoot,
    parseTemplate,
    functionNotes: DEFAULT_FUNCTION_NOTES,
  };
  const { functions, allowEnv, host, pathRoot } = scope;
  scope.cachedContext = { variables: scope.variables, functions, allowEnv, host, pathRoot, context };
  return context;
}

export function evaluate(expr: Expression, scope: Scope): { value: Value; diagnostics: Diagnostic[] } {
  return evaluateHcl(expr, contextOf(scope));
}

export function isKnown(v: Value): boolean {
  return v.isWhollyKnown();
}

export function isNull(v: Value): boolean {
  return v.isKnown() && v.isNull();
}

function converted(v: Value, type: Type): Value | undefined {
  const [plain] = v.unmarkDeep();
  if (!plain.isWhollyKnown() || plain.isNull()) return undefined;
  const r = tryConvert(plain, type);
  return r.ok ? r.value : undefined;
}

export function asString(v: Value): string | undefined {
  return converted(v, STRING)?.asString();
}

export function asNumber(v: Value): number | undefined {
  return converted(v, NUMBER)?.asNumber().toFloat64();
}

export function asBool(v: Value): boolean | undefined {
  return converted(v, BOOL)?.asBool();
}

export function asStringList(v: Value): string[] | undefined {
  return converted(v, listOf(STRING))
    ?.elements()
    .map((e) => e.asString());
}

export function objectValue(fields: Record<string, Value>): Value {
  return Value.object(fields);
}

export function stringValue(s: string): Value {
  return Value.string(s);
}

export function unknownValue(): Value {
  return DYNAMIC_VALUE;
}

export function toConfig(v: Value): ConfigValue {
  return toConfigValue(v);
}

export function display(v: Value): string {
  return displayValue(v);
}

export function markSensitive(v: Value): Value {
  return v.mark(SENSITIVE);
}

/** Every string inside a value (for masking sensitive values in logs). */
export function collectStrings(v: Value): string[] {
  const [plain] = v.unmarkDeep();
  const out: string[] = [];
  const walk = (x: Value) => {
    if (!x.isKnown() || x.isNull()) return;
    switch (x.type.kind) {
      case 'string':
        out.push(x.asString());
        break;
      case 'number':
      case 'bool':
        break;
      default:
        if (x.canIterate()) for (const [, e] of x.keyed()) walk(e);
    }
  };
  walk(plain);
  return out;
}

/** The elements of a collection as (key, value) pairs, as `for_each` of a dynamic block sees them. */
export function elementsOf(v: Value): [Value, Value][] | undefined {
  const [plain] = v.unmarkDeep();
  if (!plain.isKnown() || plain.isNull() || !plain.canIterate()) return undefined;
  return plain.keyed();
}

export function typeFromExpression(expr: Expression): { type?: HclType; diagnostics: Diagnostic[] } {
  const r = typeConstraintWithDefaults(expr, (e) => evaluateHcl(e, {}));
  return { type: { type: r.type, defaults: r.defaults }, diagnostics: r.diagnostics };
}

export function typeToString(t: HclType): string {
  return typeString(t.type);
}

export function convertValue(v: Value, t: HclType): { value: Value } | { error: string } {
  const withDefaults = t.defaults ? applyDefaults(t.defaults, v) : v;
  const r = tryConvert(withDefaults, t.type);
  return r.ok ? { value: r.value } : { error: r.error.message };
}

/**
 * A value given as text (PKR_VAR_ env, -var): a raw string for string, number, bool and untyped variables;
 * an HCL expression for collection types, as Packer reads them.
 */
export function parseVariableValue(
  raw: string,
  t: HclType | undefined,
  origin: string,
): { value?: Value; diagnostics: Diagnostic[] } {
  const kind = t?.type.kind;
  if (
    !t ||
    kind === 'string' ||
    kind === 'number' ||
    kind === 'bool' ||
    t.type === DYNAMIC ||
    kind === 'dynamic'
  ) {
    return { value: Value.string(raw), diagnostics: [] };
  }
  const parsed = parseHclExpression(raw, `<value for ${origin}>`);
  if (parsed.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: parsed.diagnostics };
  return evaluateHcl(parsed.expr, {});
}

/** A JSON value (from a `.pkrvars.json` file) as an HCL value. */
export function valueFromJson(v: unknown): Value {
  if (v === null || v === undefined) return Value.null(DYNAMIC);
  if (typeof v === 'string') return Value.string(v);
  if (typeof v === 'number') return Value.number(v);
  if (typeof v === 'boolean') return Value.bool(v);
  if (Array.isArray(v)) return Value.tuple(v.map(valueFromJson));
  return Value.object(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, valueFromJson(x)]));
}

export interface Reference {
  root: string;
  /** The first attribute after the root (`x` in `var.x`), when there is one. */
  name?: string;
  range: Range;
}

export function referencesOf(expr: Expression): Reference[] {
  return referencedTraversals(expr).map((t) => {
    const first = t.steps[0];
    return { root: t.root, name: first && first.kind === 'Attr' ? first.name : undefined, range: t.range };
  });
}
