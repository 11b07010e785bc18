/**
 * Evaluates HCL native-syntax expressions (ast.ts) to values with hclsyntax's semantics: operators,
 * conditionals with type unification, `for` expressions, splats, templates with directives, function
 * calls with cty's calling convention, and hclsyntax's diagnostics, each naming the expression's range.
 * `evaluate` never throws: anything unexpected becomes a diagnostic.
 */
import type { TemplateHost } from '../host';
import { error, formatRange, hasErrors, type Diagnostic, type Range } from '../source';
import type {
  AnonSymbolExpr,
  BinaryOperator,
  ConditionalExpr,
  Expression,
  ForExpr,
  FunctionCallExpr,
  ObjectExpr,
  SplatExpr,
  TemplatePart,
  Traverser,
} from './ast';
import { BigFloat, NaNError } from './bignum';
import { convert, getConversion, tryConvert, unify, type Conversion } from './convert';
import { DEFAULT_FUNCTION_NOTES } from './functions/notes';
import {
  ArgError,
  callFunction,
  FunctionError,
  type FunctionContext,
  type FunctionDef,
  type FunctionTable,
  type TemplateParser,
} from './functions/spec';
import { goQuote } from './gostrings';
import { parseHclTemplate } from './syntax';
import * as ops from './operators';
import { exprAsKeyword, typeConstraint } from './typeexpr';
import {
  BOOL,
  DYNAMIC,
  NUMBER,
  STRING,
  friendlyName,
  listOf,
  tupleOf,
  typeEquals,
  type ObjectType,
  type Type,
} from './types';
import {
  DYNAMIC_VALUE,
  EMPTY_TUPLE_VALUE,
  NULL_DYNAMIC,
  Value,
  ValueError,
  isNullDynamic,
  numberToString,
  type Mark,
} from './values';

export interface EvalContext {
  /**
   * The root names an expression can refer to (`var`, `local`, `source`, `path`, ...). Absent means
   * variables are not allowed here at all ("Variables not allowed").
   */
  variables?: ReadonlyMap<string, Value> | Readonly<Record<string, Value>>;
  /** The callable functions. Absent means no function calls are allowed here. */
  functions?: FunctionTable;
  /** Files, environment and clock for the functions that need them. */
  host?: TemplateHost;
  /**
   * The directory relative paths in `file`, `fileset`, `templatefile`... resolve against. Defaults to
   * the value of `path.root` among the variables, else `.`.
   */
  baseDir?: string;
  /** Parses the text of `templatefile` templates; defaults to the HCL parser's `parseHclTemplate`. */
  parseTemplate?: TemplateParser;
  /** Explanations added to "Call to unknown function" by name (why `env` or `vault` is not available). */
  functionNotes?: ReadonlyMap<string, string>;
}

export interface EvalResult {
  value: Value;
  diagnostics: Diagnostic[];
}

/** Evaluates an expression. Never throws. */
export function evaluate(expr: Expression, ctx: EvalContext = {}): EvalResult {
  const evaluator = new Evaluator(ctx);
  const root: Scope = { variables: toMap(ctx.variables) };
  try {
    const result = evaluator.eval(expr, root);
    // Callers may add to the array they get.
    return result.diagnostics === NO_DIAGNOSTICS ? { value: result.value, diagnostics: [] } : result;
  } catch (e) {
    return {
      value: DYNAMIC_VALUE,
      diagnostics: [
        error(
          'Internal error while evaluating',
          `Kiln could not evaluate this expression: ${(e as Error).message}`,
          expr.range,
        ),
      ],
    };
  }
}

function toMap(variables: EvalContext['variables']): ReadonlyMap<string, Value> | undefined {
  if (!variables) return undefined;
  if (variables instanceof Map) return variables;
  return new Map(Object.entries(variables as Record<string, Value>));
}

/** A level of variables: the root context, or the locals of a `for` expression. */
interface Scope {
  variables?: ReadonlyMap<string, Value>;
  parent?: Scope;
}

function child(scope: Scope, variables: Map<string, Value>): Scope {
  return { variables, parent: scope };
}

function span(a: Range, b: Range): Range {
  return { file: a.file, start: a.start, end: b.end };
}

/**
 * The diagnostics of a result without any: one shared, frozen array instead of a new one per node
 * evaluated (results inside the evaluator are only read or spread; `evaluate` hands out fresh ones).
 */
const NO_DIAGNOSTICS = Object.freeze([]) as readonly Diagnostic[] as Diagnostic[];

const ok = (value: Value, diagnostics: Diagnostic[] = NO_DIAGNOSTICS): EvalResult => ({ value, diagnostics });

/** Levenshtein distance in code points (agext/levenshtein). */
function distance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** A name within edit distance 2, the closest first (hcl nameSuggestion, made deterministic). */
export function nameSuggestion(given: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of [...candidates].sort()) {
    const d = distance(given, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

const BINARY: Record<BinaryOperator, FunctionDef> = {
  '||': ops.OR,
  '&&': ops.AND,
  '==': ops.EQUAL,
  '!=': ops.NOT_EQUAL,
  '<': ops.LESS_THAN,
  '<=': ops.LESS_THAN_OR_EQUAL,
  '>': ops.GREATER_THAN,
  '>=': ops.GREATER_THAN_OR_EQUAL,
  '+': ops.ADD,
  '-': ops.SUBTRACT,
  '*': ops.MULTIPLY,
  '/': ops.DIVIDE,
  '%': ops.MODULO,
};

/** Where an argument's value comes from: an expression, or an element of an expanded (`...`) argument. */
type ArgSource =
  { expr: Expression; value?: undefined; range: Range } | { expr?: undefined; value: Value; range: Range };

class Evaluator {
  /** Values of splat symbols (`[*]`) being evaluated; most expressions have none, so made on first use. */
  private anon: Map<AnonSymbolExpr, Value> | undefined;

  constructor(private readonly ctx: EvalContext) {}

  eval(expr: Expression, scope: Scope): EvalResult {
    switch (expr.kind) {
      case 'Literal':
        return ok(this.literal(expr.value, expr.raw));
      case 'Parentheses':
        return this.eval(expr.inner, scope);
      case 'TemplateWrap':
        return this.eval(expr.wrapped, scope);
      case 'Template':
        return this.template(expr.parts, scope);
      case 'ScopeTraversal':
        return this.scopeTraversal(expr.root, expr.rootRange, expr.steps, scope);
      case 'RelativeTraversal': {
        const source = this.eval(expr.source, scope);
        const result = this.traverse(source.value, expr.steps, scope);
        return ok(result.value, [...source.diagnostics, ...result.diagnostics]);
      }
      case 'FunctionCall':
        return this.functionCall(expr, scope);
      case 'Conditional':
        return this.conditional(expr, scope);
      case 'BinaryOp':
        return this.binary(expr.op, expr.left, expr.right, expr.range, scope);
      case 'UnaryOp':
        return this.unary(expr.op, expr.operand, expr.range, scope);
      case 'Tuple': {
        let diagnostics = NO_DIAGNOSTICS;
        const values: Value[] = [];
        for (const item of expr.items) {
          const r = this.eval(item, scope);
          if (r.diagnostics.length > 0) {
            if (diagnostics === NO_DIAGNOSTICS) diagnostics = [];
            diagnostics.push(...r.diagnostics);
          }
          values.push(r.value);
        }
        return ok(Value.tuple(values), diagnostics);
      }
      case 'Object':
        return this.object(expr, scope);
      case 'Index': {
        const coll = this.eval(expr.collection, scope);
        const key = this.eval(expr.key, scope);
        const indexed = index(coll.value, key.value, expr.range);
        return ok(indexed.value, [...coll.diagnostics, ...key.diagnostics, ...indexed.diagnostics]);
      }
      case 'Splat':
        return this.splatExpr(expr, scope);
      case 'For':
        return this.forExpr(expr, scope);
      case 'AnonSymbol':
        return ok(this.anon?.get(expr) ?? DYNAMIC_VALUE);
      default:
        throw new Error(`unknown expression kind ${(expr as { kind: string }).kind}`);
    }
  }

  private literal(value: string | number | boolean | null, raw: string | undefined): Value {
    if (value === null) return NULL_DYNAMIC;
    if (typeof value === 'string') return Value.string(value);
    if (typeof value === 'boolean') return Value.bool(value);
    const parsed = BigFloat.parse(raw ?? String(value)) ?? BigFloat.parse(String(value));
    return Value.number(parsed ?? BigFloat.fromFloat64(value));
  }

  // ---- variables and traversals ---------------------------------------------------------------

  private scopeTraversal(
    root: string,
    rootRange: Range,
    steps: readonly Traverser[],
    scope: Scope,
  ): EvalResult {
    let hasVariables = false;
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      if (!s.variables) continue;
      hasVariables = true;
      const value = s.variables.get(root);
      if (value !== undefined) return this.traverse(value, steps, scope);
    }
    if (!hasVariables) {
      return ok(DYNAMIC_VALUE, [
        error('Variables not allowed', 'Variables may not be used here.', rootRange),
      ]);
    }
    const names: string[] = [];
    for (let s: Scope | undefined = scope; s; s = s.parent)
      if (s.variables) names.push(...s.variables.keys());
    const suggestion = nameSuggestion(root, names);
    return ok(DYNAMIC_VALUE, [
      error(
        'Unknown variable',
        `There is no variable named ${goQuote(root)}.${suggestion ? ` Did you mean ${goQuote(suggestion)}?` : ''}`,
        rootRange,
      ),
    ]);
  }

  /** Applies traversal steps; stops at the first error. A splat step applies the rest to each element. */
  private traverse(start: Value, steps: readonly Traverser[], scope: Scope): EvalResult {
    let current = start;
    let diagnostics = NO_DIAGNOSTICS;
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      let r: EvalResult;
      if (step.kind === 'Attr') r = getAttr(current, step.name, step.range);
      else if (step.kind === 'Index')
        r = index(
          current,
          typeof step.key === 'number' ? Value.number(step.key) : Value.string(step.key),
          step.range,
        );
      else {
        // A legacy `.*` left inside a traversal: the remaining steps apply to each element.
        const rest = steps.slice(i + 1);
        const splatted = this.splat(current, step.range, step.range, (item) =>
          this.traverse(item, rest, scope),
        );
        return ok(splatted.value, [...diagnostics, ...splatted.diagnostics]);
      }
      if (r.diagnostics.length > 0) {
        diagnostics = [...diagnostics, ...r.diagnostics];
        if (hasErrors(r.diagnostics)) return ok(DYNAMIC_VALUE, diagnostics);
      }
      current = r.value;
    }
    return ok(current, diagnostics);
  }

  // ---- templates ------------------------------------------------------------------------------

  private template(parts: readonly TemplatePart[], scope: Scope): EvalResult {
    // The parser has already applied `~` strip markers to the literal parts, exactly as hclsyntax does.
    const diagnostics: Diagnostic[] = [];
    let marks: ReadonlySet<Mark>[] | undefined;
    let known = true;
    let failed = false;
    let text = '';
    for (const part of parts) {
      if (part.kind === 'Literal') {
        // A literal is a known, unmarked string: no value needed (NFC applies once, to the whole text).
        if (known && !failed) text += part.value;
        continue;
      }
      const r = this.templatePart(part, scope);
      if (r.diagnostics.length > 0) {
        diagnostics.push(...r.diagnostics);
        failed ||= hasErrors(r.diagnostics);
      }
      const value = r.value;
      if (value.type === STRING && !value.isMarked() && value.isKnown() && !value.isNull()) {
        // The common case, a known plain string: no unmarking or conversion to allocate for.
        if (known && !failed) text += value.asString();
        continue;
      }
      if (value.isNull()) {
        diagnostics.push(
          error(
            'Invalid template interpolation value',
            'The expression result is null. Cannot include a null value in a string template.',
            part.range,
          ),
        );
        failed = true;
        continue;
      }
      const [unmarked, partMarks] = value.unmark();
      if (partMarks.size > 0) (marks ??= []).push(partMarks);
      if (!unmarked.isKnown()) {
        known = false;
        continue;
      }
      const converted = tryConvert(unmarked, STRING);
      if (!converted.ok) {
        diagnostics.push(
          error(
            'Invalid template interpolation value',
            `Cannot include the given value in a string template: ${converted.error.message}.`,
            part.range,
          ),
        );
        failed = true;
        continue;
      }
      if (known && !failed) {
        // A string may still carry marks on nested parts only when it was built from a marked string.
        text += converted.value.unmarkDeep()[0].asString();
      }
    }
    const value = known ? Value.string(text) : Value.unknown(STRING);
    return ok(marks ? value.withMarks(...marks) : value, diagnostics);
  }

  private templatePart(part: TemplatePart, scope: Scope): EvalResult {
    switch (part.kind) {
      case 'Literal':
        return ok(Value.string(part.value));
      case 'Interpolation':
        return this.eval(part.expr, scope);
      case 'If':
        return this.templateIf(part, scope);
      case 'For':
        return this.templateFor(part, scope);
    }
  }

  /** `%{if}` behaves like a conditional whose branches are string templates. */
  private templateIf(part: Extract<TemplatePart, { kind: 'If' }>, scope: Scope): EvalResult {
    const trueResult = this.template(part.then, scope);
    const falseResult = part.else ? this.template(part.else, scope) : ok(Value.string(''));
    const cond = this.eval(part.cond, scope);
    return this.chooseBranch(cond, part.cond.range, trueResult, falseResult, STRING, [undefined, undefined], {
      trueRange: part.range,
      falseRange: part.range,
    });
  }

  /** `%{for}` renders its body per element and joins the results (hclsyntax TemplateJoinExpr). */
  private templateFor(part: Extract<TemplatePart, { kind: 'For' }>, scope: Scope): EvalResult {
    const tuple = this.forEach(
      {
        keyVar: part.keyVar,
        valueVar: part.valueVar,
        collection: part.collection,
        range: part.range,
        object: false,
        group: false,
      },
      scope,
      (inner) => this.template(part.body, inner),
    );
    const diagnostics = [...tuple.diagnostics];
    const value = tuple.value;
    if (value.type.kind === 'dynamic' || !value.isKnown())
      return ok(Value.unknown(STRING).withSameMarks(value), diagnostics);
    const [unmarked, marks] = value.unmark();
    const allMarks: ReadonlySet<Mark>[] = [marks];
    let text = '';
    for (const element of unmarked.elements()) {
      if (element.isNull()) {
        diagnostics.push(
          error(
            'Invalid template interpolation value',
            'An iteration result is null. Cannot include a null value in a string template.',
            part.range,
          ),
        );
        continue;
      }
      if (element.type.kind === 'dynamic') return ok(Value.unknown(STRING).withMarks(marks), diagnostics);
      const converted = tryConvert(element, STRING);
      if (!converted.ok) {
        diagnostics.push(
          error(
            'Invalid template interpolation value',
            `Cannot include one of the interpolation results into the string template: ${converted.error.message}.`,
            part.range,
          ),
        );
        continue;
      }
      if (!element.isKnown()) return ok(Value.unknown(STRING).withMarks(marks), diagnostics);
      const [s, sMarks] = converted.value.unmark();
      allMarks.push(sMarks);
      text += s.asString();
    }
    return ok(Value.string(text).withMarks(...allMarks), diagnostics);
  }

  // ---- function calls -------------------------------------------------------------------------

  private functionCall(expr: FunctionCallExpr, scope: Scope): EvalResult {
    const functions = this.ctx.functions;
    if (!functions) {
      return ok(DYNAMIC_VALUE, [
        error('Function calls not allowed', 'Functions may not be called here.', expr.range),
      ]);
    }
    const def = functions.get(expr.name);
    if (!def) {
      const suggestion = nameSuggestion(expr.name, functions.keys());
      const note = (this.ctx.functionNotes ?? DEFAULT_FUNCTION_NOTES).get(expr.name);
      return ok(DYNAMIC_VALUE, [
        error(
          'Call to unknown function',
          `There is no function named ${goQuote(expr.name)}.${suggestion ? ` Did you mean ${goQuote(suggestion)}?` : ''}${note ? `\n\n${note}` : ''}`,
          expr.nameRange,
        ),
      ]);
    }

    const diagnostics: Diagnostic[] = [];
    let sources: ArgSource[] = expr.args.map((a) => ({ expr: a, range: a.range }));
    if (expr.expandFinal && expr.args.length > 0) {
      const expandExpr = expr.args[expr.args.length - 1];
      const expanded = this.eval(expandExpr, scope);
      diagnostics.push(...expanded.diagnostics);
      if (hasErrors(expanded.diagnostics)) return ok(DYNAMIC_VALUE, diagnostics);
      const v = expanded.value;
      const kind = v.type.kind;
      if (kind === 'dynamic' || kind === 'tuple' || kind === 'list' || kind === 'set') {
        if (v.isNull()) {
          diagnostics.push(
            error(
              'Invalid expanding argument value',
              'The expanding argument (indicated by ...) must not be null.',
              expandExpr.range,
            ),
          );
          return ok(DYNAMIC_VALUE, diagnostics);
        }
        if (kind === 'dynamic' || !v.isKnown()) return ok(DYNAMIC_VALUE, diagnostics);
        const [unmarked, marks] = v.unmark();
        sources = [
          ...sources.slice(0, -1),
          ...unmarked.elements().map((e) => ({ value: e.withMarks(marks), range: expandExpr.range })),
        ];
      } else {
        diagnostics.push(
          error(
            'Invalid expanding argument value',
            'The expanding argument (indicated by ...) must be of a tuple, list, or set type.',
            expandExpr.range,
          ),
        );
        return ok(DYNAMIC_VALUE, diagnostics);
      }
    }

    const params = def.params;
    if (sources.length < params.length) {
      const missing = params[sources.length];
      return ok(DYNAMIC_VALUE, [
        ...diagnostics,
        error(
          'Not enough function arguments',
          `Function ${goQuote(expr.name)} expects${def.varParam ? ' at least' : ''} ${params.length} argument(s). Missing value for ${goQuote(missing.name)}.`,
          expr.closeParenRange,
        ),
      ]);
    }
    if (!def.varParam && sources.length > params.length) {
      return ok(DYNAMIC_VALUE, [
        ...diagnostics,
        error(
          'Too many function arguments',
          `Function ${goQuote(expr.name)} expects only ${params.length} argument(s).`,
          sources[params.length].range,
        ),
      ]);
    }

    const args: Value[] = [];
    const expressions: (Expression | undefined)[] = [];
    const types: (Type | undefined)[] = [];
    sources.forEach((source, i) => {
      const param = i < params.length ? params[i] : def.varParam!;
      expressions.push(undefined);
      types.push(undefined);
      if (param.kind === 'expression') {
        expressions[i] = source.expr;
        args.push(source.value ?? DYNAMIC_VALUE);
        return;
      }
      if (param.kind === 'type') {
        if (!source.expr) {
          diagnostics.push(
            error(
              'Invalid type specification',
              'A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).',
              source.range,
            ),
          );
          args.push(DYNAMIC_VALUE);
          return;
        }
        const t = typeConstraint(source.expr);
        diagnostics.push(...t.diagnostics);
        types[i] = t.type;
        args.push(DYNAMIC_VALUE);
        return;
      }
      let value: Value;
      if (source.expr) {
        const r = this.eval(source.expr, scope);
        diagnostics.push(...r.diagnostics);
        value = r.value;
      } else {
        value = source.value;
      }
      const converted = tryConvert(value, param.type);
      if (!converted.ok) {
        diagnostics.push(
          error(
            'Invalid function argument',
            `Invalid value for ${goQuote(param.name)} parameter: ${converted.error.message}.`,
            source.range,
          ),
        );
        args.push(value);
        return;
      }
      args.push(converted.value);
    });
    if (hasErrors(diagnostics)) return ok(DYNAMIC_VALUE, diagnostics);

    const fctx = this.functionContext(scope, expressions, types);
    try {
      return ok(callFunction(def, args, fctx), diagnostics);
    } catch (e) {
      const message = errorMessage(e);
      if (message === undefined) throw e;
      const callStart = span(expr.nameRange, expr.openParenRange);
      if (e instanceof ArgError) {
        const param = e.index < params.length ? params[e.index] : def.varParam;
        if (param && e.index < sources.length) {
          diagnostics.push(
            error(
              'Invalid function argument',
              `Invalid value for ${goQuote(param.name)} parameter: ${message}.`,
              sources[e.index].range,
            ),
          );
        } else if (param) {
          diagnostics.push(
            error(
              'Invalid function argument',
              `Invalid value for ${goQuote(param.name)} parameter: ${message}.`,
              expr.range,
            ),
          );
        } else {
          diagnostics.push(
            error(
              'Error in function call',
              `Call to function ${goQuote(expr.name)} failed: ${message}.`,
              callStart,
            ),
          );
        }
      } else {
        diagnostics.push(
          error(
            'Error in function call',
            `Call to function ${goQuote(expr.name)} failed: ${message}.`,
            callStart,
          ),
        );
      }
      return ok(DYNAMIC_VALUE, diagnostics);
    }
  }

  /** `path.root` when the context defines it as a known string. */
  private pathRoot(): string | undefined {
    const path = toMap(this.ctx.variables)?.get('path');
    if (!path || !path.isKnown() || path.isNull() || path.type.kind !== 'object') return undefined;
    const root = path.unmark()[0].get('root');
    return root && root.isKnown() && !root.isNull() && root.type.kind === 'string'
      ? root.unmark()[0].asString()
      : undefined;
  }

  private functionContext(
    scope: Scope,
    expressions: (Expression | undefined)[],
    types: (Type | undefined)[],
  ): FunctionContext {
    return {
      host: this.ctx.host,
      baseDir: this.ctx.baseDir ?? this.pathRoot() ?? '.',
      parseTemplate: this.ctx.parseTemplate ?? parseHclTemplate,
      functions: this.ctx.functions ?? new Map(),
      expressions,
      types,
      evaluate: (expr) => this.eval(expr, scope),
      evaluateIsolated: (expr, variables, functions) => evaluate(expr, { ...this.ctx, variables, functions }),
    };
  }

  // ---- conditionals ---------------------------------------------------------------------------

  private conditional(expr: ConditionalExpr, scope: Scope): EvalResult {
    const trueResult = this.eval(expr.trueResult, scope);
    const falseResult = this.eval(expr.falseResult, scope);
    let resultType: Type;
    let convs: [Conversion | undefined, Conversion | undefined] = [undefined, undefined];
    const t = trueResult.value;
    const f = falseResult.value;
    if (isNullDynamic(t)) {
      resultType = f.type;
      convs = [getConversion(DYNAMIC, resultType, true), undefined];
    } else if (isNullDynamic(f)) {
      resultType = t.type;
      convs = [undefined, getConversion(DYNAMIC, resultType, true)];
    } else if (t.type.kind === 'dynamic' || f.type.kind === 'dynamic') {
      resultType = DYNAMIC;
    } else {
      const unified = unify([t.type, f.type], true);
      if (!unified) {
        return ok(DYNAMIC_VALUE, [
          error(
            'Inconsistent conditional result types',
            `The true and false result expressions must have consistent types. ${describeTypeMismatch(t.type, f.type)}.`,
            span(expr.trueResult.range, expr.falseResult.range),
          ),
        ]);
      }
      resultType = unified.type;
      convs = [unified.conversions[0], unified.conversions[1]];
    }
    const cond = this.eval(expr.condition, scope);
    return this.chooseBranch(cond, expr.condition.range, trueResult, falseResult, resultType, convs, {
      trueRange: expr.trueResult.range,
      falseRange: expr.falseResult.range,
    });
  }

  private chooseBranch(
    cond: EvalResult,
    condRange: Range,
    trueResult: EvalResult,
    falseResult: EvalResult,
    resultType: Type,
    convs: [Conversion | undefined, Conversion | undefined],
    ranges: { trueRange: Range; falseRange: Range },
  ): EvalResult {
    const diagnostics = [...cond.diagnostics];
    if (cond.value.isNull()) {
      diagnostics.push(
        error(
          'Null condition',
          'The condition value is null. Conditions must either be true or false.',
          condRange,
        ),
      );
      return ok(Value.unknown(resultType), diagnostics);
    }
    const [condValue, condMarks] = cond.value.unmark();
    const [t, tMarks] = trueResult.value.unmark();
    const [f, fMarks] = falseResult.value.unmark();
    const marks = [condMarks, tMarks, fMarks];
    if (!condValue.isKnown()) {
      if (t.isNull() && f.isNull()) return ok(Value.null(resultType).withMarks(...marks), diagnostics);
      return ok(Value.unknown(resultType).withMarks(...marks), diagnostics);
    }
    const asBool = tryConvert(condValue, BOOL);
    if (!asBool.ok) {
      diagnostics.push(
        error('Incorrect condition type', 'The condition expression must be of type bool.', condRange),
      );
      return ok(Value.unknown(resultType), diagnostics);
    }
    const chooseTrue = asBool.value.asBool();
    const chosen = chooseTrue ? trueResult : falseResult;
    diagnostics.push(...chosen.diagnostics);
    let value = chooseTrue ? t : f;
    const conv = convs[chooseTrue ? 0 : 1];
    if (conv) {
      try {
        value = conv(value, []);
      } catch (e) {
        if (!(e instanceof ValueError)) throw e;
        diagnostics.push(
          error(
            'Inconsistent conditional result types',
            `The ${chooseTrue ? 'true' : 'false'} result value has the wrong type: ${e.message}.`,
            chooseTrue ? ranges.trueRange : ranges.falseRange,
          ),
        );
        value = Value.unknown(resultType);
      }
    }
    return ok(value.withMarks(...marks), diagnostics);
  }

  // ---- operators ------------------------------------------------------------------------------

  private binary(
    op: BinaryOperator,
    left: Expression,
    right: Expression,
    range: Range,
    scope: Scope,
  ): EvalResult {
    const def = BINARY[op];
    const resultType = op === '+' || op === '-' || op === '*' || op === '/' || op === '%' ? NUMBER : BOOL;
    const diagnostics: Diagnostic[] = [];
    const lhs = this.eval(left, scope);
    const lhsConverted = tryConvert(lhs.value, def.params[0].type);
    if (!lhsConverted.ok) {
      diagnostics.push(
        error(
          'Invalid operand',
          `Unsuitable value for left operand: ${lhsConverted.error.message}.`,
          left.range,
        ),
      );
    }
    const rhs = this.eval(right, scope);
    const rhsConverted = tryConvert(rhs.value, def.params[1].type);
    if (!rhsConverted.ok) {
      diagnostics.push(
        error(
          'Invalid operand',
          `Unsuitable value for right operand: ${rhsConverted.error.message}.`,
          right.range,
        ),
      );
    }
    if (!lhsConverted.ok || !rhsConverted.ok) {
      return ok(Value.unknown(resultType), [...diagnostics, ...lhs.diagnostics, ...rhs.diagnostics]);
    }
    const [l, lMarks] = lhsConverted.value.unmark();
    const [r, rMarks] = rhsConverted.value.unmark();
    if (op === '||' || op === '&&') {
      const forced = shortCircuit(op, l, r, lhs.diagnostics, rhs.diagnostics);
      if (forced) return ok(forced.value.withMarks(lMarks, rMarks), forced.diagnostics);
    }
    diagnostics.push(...lhs.diagnostics, ...rhs.diagnostics);
    if (hasErrors(diagnostics)) return ok(Value.unknown(resultType).withMarks(lMarks, rMarks), diagnostics);
    try {
      const result = callFunction(def, [l, r], this.functionContext({}, [], []));
      return ok(result.withMarks(lMarks, rMarks), diagnostics);
    } catch (e) {
      const message = errorMessage(e);
      if (message === undefined) throw e;
      diagnostics.push(error('Operation failed', `Error during operation: ${message}.`, range));
      return ok(Value.unknown(resultType), diagnostics);
    }
  }

  private unary(op: '!' | '-', operand: Expression, range: Range, scope: Scope): EvalResult {
    const def = op === '!' ? ops.NOT : ops.NEGATE;
    const resultType = op === '!' ? BOOL : NUMBER;
    const given = this.eval(operand, scope);
    const diagnostics = [...given.diagnostics];
    const converted = tryConvert(given.value, def.params[0].type);
    if (!converted.ok) {
      diagnostics.push(
        error(
          'Invalid operand',
          `Unsuitable value for unary operand: ${converted.error.message}.`,
          operand.range,
        ),
      );
    }
    if (!converted.ok || hasErrors(diagnostics)) return ok(Value.unknown(resultType), diagnostics);
    try {
      return ok(callFunction(def, [converted.value], this.functionContext({}, [], [])), diagnostics);
    } catch (e) {
      const message = errorMessage(e);
      if (message === undefined) throw e;
      diagnostics.push(error('Operation failed', `Error during operation: ${message}.`, range));
      return ok(Value.unknown(resultType), diagnostics);
    }
  }

  // ---- object constructors --------------------------------------------------------------------

  private object(expr: ObjectExpr, scope: Scope): EvalResult {
    const diagnostics: Diagnostic[] = [];
    const marks: ReadonlySet<Mark>[] = [];
    const values = new Map<string, Value>();
    let known = true;
    for (const item of expr.items) {
      const key = this.objectKey(item.key, item.keyIsExpression, scope);
      diagnostics.push(...key.diagnostics);
      const value = this.eval(item.value, scope);
      diagnostics.push(...value.diagnostics);
      if (hasErrors(key.diagnostics)) {
        known = false;
        continue;
      }
      if (key.value.isNull()) {
        diagnostics.push(error('Null value as key', "Can't use a null value as a key.", item.value.range));
        known = false;
        continue;
      }
      const [unmarkedKey, keyMarks] = key.value.unmark();
      marks.push(keyMarks);
      const asString = tryConvert(unmarkedKey, STRING);
      if (!asString.ok) {
        diagnostics.push(
          error(
            'Incorrect key type',
            `Can't use this value as a key: ${asString.error.message}.`,
            item.key.range,
          ),
        );
        known = false;
        continue;
      }
      if (!asString.value.isKnown()) {
        known = false;
        continue;
      }
      values.set(asString.value.asString(), value.value);
    }
    if (!known) return ok(DYNAMIC_VALUE, diagnostics);
    return ok(Value.object(values).withMarks(...marks), diagnostics);
  }

  private objectKey(key: Expression, forceNonLiteral: boolean, scope: Scope): EvalResult {
    if (!forceNonLiteral) {
      if (key.kind === 'ScopeTraversal' && key.steps.length > 0) {
        return ok(DYNAMIC_VALUE, [
          error(
            'Ambiguous attribute key',
            "If this expression is intended to be a reference, wrap it in parentheses. If it's instead intended as a literal name containing periods, wrap it in quotes to create a string literal.",
            key.range,
          ),
        ]);
      }
      const name = exprAsKeyword(key);
      if (name !== '') return ok(Value.string(name));
    }
    return this.eval(key, scope);
  }

  // ---- for expressions ------------------------------------------------------------------------

  private forExpr(expr: ForExpr, scope: Scope): EvalResult {
    return this.forEach(
      {
        keyVar: expr.keyVar,
        valueVar: expr.valueVar,
        collection: expr.collection,
        condition: expr.condition,
        keyExpr: expr.keyExpr,
        range: expr.range,
        object: expr.object,
        group: expr.group,
      },
      scope,
      (inner) => this.eval(expr.valueExpr, inner),
    );
  }

  private forEach(
    spec: {
      keyVar?: string;
      valueVar: string;
      collection: Expression;
      condition?: Expression;
      keyExpr?: Expression;
      range: Range;
      object: boolean;
      group: boolean;
    },
    scope: Scope,
    valueOf: (inner: Scope) => EvalResult,
  ): EvalResult {
    const diagnostics: Diagnostic[] = [];
    const marks: ReadonlySet<Mark>[] = [];
    const coll = this.eval(spec.collection, scope);
    diagnostics.push(...coll.diagnostics);
    if (coll.value.isNull()) {
      diagnostics.push(
        error(
          'Iteration over null value',
          "A null value cannot be used as the collection in a 'for' expression.",
          spec.collection.range,
        ),
      );
      return ok(DYNAMIC_VALUE, diagnostics);
    }
    if (coll.value.type.kind === 'dynamic') return ok(DYNAMIC_VALUE, diagnostics);
    const [collection, collMarks] = coll.value.unmark();
    marks.push(collMarks);
    if (!collection.canIterate()) {
      diagnostics.push(
        error(
          'Iteration over non-iterable value',
          `A value of type ${friendlyName(collection.type)} cannot be used as the collection in a 'for' expression.`,
          spec.collection.range,
        ),
      );
      return ok(DYNAMIC_VALUE, diagnostics);
    }
    const bind = (k: Value, v: Value): Scope => {
      const vars = new Map<string, Value>();
      if (spec.keyVar) vars.set(spec.keyVar, k);
      vars.set(spec.valueVar, v);
      return child(scope, vars);
    };

    let condMarks: ReadonlySet<Mark> | undefined;
    if (spec.condition) {
      const probe = this.eval(spec.condition, bind(DYNAMIC_VALUE, DYNAMIC_VALUE));
      diagnostics.push(...probe.diagnostics);
      if (probe.value.isNull()) {
        diagnostics.push(
          error('Condition is null', "The value of the 'if' clause must not be null.", spec.condition.range),
        );
        return ok(DYNAMIC_VALUE, diagnostics);
      }
      condMarks = probe.value.marks;
      const asBool = tryConvert(probe.value, BOOL);
      if (!asBool.ok) {
        diagnostics.push(
          error(
            "Invalid 'for' condition",
            `The 'if' clause value is invalid: ${asBool.error.message}.`,
            spec.condition.range,
          ),
        );
        return ok(DYNAMIC_VALUE, diagnostics);
      }
      if (hasErrors(probe.diagnostics)) return ok(DYNAMIC_VALUE, diagnostics);
    }
    if (!collection.isKnown()) return ok(DYNAMIC_VALUE.withMarks(...marks, condMarks), diagnostics);

    let known = true;
    /** Evaluates the `if` clause: true to keep the element, false to skip, undefined when unknown/invalid. */
    const include = (inner: Scope): boolean | undefined => {
      if (!spec.condition) return true;
      const r = this.eval(spec.condition, inner);
      diagnostics.push(...r.diagnostics);
      if (r.value.isNull()) {
        if (known)
          diagnostics.push(
            error(
              "Invalid 'for' condition",
              "The value of the 'if' clause must not be null.",
              spec.condition.range,
            ),
          );
        return undefined;
      }
      const [raw, includeMarks] = r.value.unmark();
      marks.push(includeMarks);
      if (!raw.isKnown()) return undefined;
      const asBool = tryConvert(raw, BOOL);
      if (!asBool.ok) {
        if (known) {
          diagnostics.push(
            error(
              "Invalid 'for' condition",
              `The 'if' clause value is invalid: ${asBool.error.message}.`,
              spec.condition.range,
            ),
          );
        }
        return undefined;
      }
      return asBool.value.asBool();
    };

    if (spec.object && spec.keyExpr) {
      const keyExpr = spec.keyExpr;
      const values = new Map<string, Value>();
      const groups = new Map<string, Value[]>();
      for (const [k, v] of collection.keyed()) {
        const inner = bind(k, v);
        const keep = include(inner);
        if (keep === undefined) {
          known = false;
          continue;
        }
        if (!keep) continue;
        const keyResult = this.eval(keyExpr, inner);
        diagnostics.push(...keyResult.diagnostics);
        if (keyResult.value.isNull()) {
          if (known) {
            diagnostics.push(
              error(
                'Invalid object key',
                "Key expression in 'for' expression must not produce a null value.",
                keyExpr.range,
              ),
            );
          }
          known = false;
          continue;
        }
        const [keyRaw, keyMarks] = keyResult.value.unmark();
        marks.push(keyMarks);
        if (!keyRaw.isKnown()) {
          known = false;
          continue;
        }
        const keyString = tryConvert(keyRaw, STRING);
        if (!keyString.ok) {
          if (known) {
            diagnostics.push(
              error(
                'Invalid object key',
                `The key expression produced an invalid result: ${keyString.error.message}.`,
                keyExpr.range,
              ),
            );
          }
          known = false;
          continue;
        }
        const name = keyString.value.asString();
        const value = valueOf(inner);
        diagnostics.push(...value.diagnostics);
        if (spec.group) {
          const list = groups.get(name) ?? [];
          list.push(value.value);
          groups.set(name, list);
        } else if (values.has(name)) {
          diagnostics.push(
            error(
              'Duplicate object key',
              `Two different items produced the key ${goQuote(name)} in this 'for' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.`,
              keyExpr.range,
            ),
          );
        } else {
          values.set(name, value.value);
        }
      }
      if (!known) return ok(DYNAMIC_VALUE.withMarks(...marks), diagnostics);
      if (spec.group) for (const [name, list] of groups) values.set(name, Value.tuple(list));
      return ok(Value.object(values).withMarks(...marks), diagnostics);
    }

    const items: Value[] = [];
    for (const [k, v] of collection.keyed()) {
      const inner = bind(k, v);
      const keep = include(inner);
      if (keep === undefined) {
        known = false;
        continue;
      }
      if (!keep) continue;
      const value = valueOf(inner);
      diagnostics.push(...value.diagnostics);
      items.push(value.value);
    }
    if (!known) return ok(DYNAMIC_VALUE.withMarks(...marks), diagnostics);
    return ok(Value.tuple(items).withMarks(...marks), diagnostics);
  }

  // ---- splats ---------------------------------------------------------------------------------

  private splatExpr(expr: SplatExpr, scope: Scope): EvalResult {
    const source = this.eval(expr.source, scope);
    const anon = findAnonSymbol(expr.each);
    const each = (item: Value): EvalResult => {
      if (anon) (this.anon ??= new Map()).set(anon, item);
      try {
        return this.eval(expr.each, scope);
      } finally {
        if (anon) this.anon?.delete(anon);
      }
    };
    if (hasErrors(source.diagnostics)) {
      const extra = each(DYNAMIC_VALUE);
      return ok(DYNAMIC_VALUE, [...source.diagnostics, ...extra.diagnostics]);
    }
    const splatted = this.splat(source.value, expr.source.range, expr.each.range, each);
    return ok(splatted.value, [...source.diagnostics, ...splatted.diagnostics]);
  }

  /** hclsyntax SplatExpr.Value over an evaluated source, with `each` applied per element. */
  private splat(
    sourceVal: Value,
    sourceRange: Range,
    eachRange: Range,
    each: (item: Value) => EvalResult,
  ): EvalResult {
    const diagnostics: Diagnostic[] = [];
    let source = sourceVal;
    let sourceType = source.type;
    const autoUpgrade = !(
      sourceType.kind === 'tuple' ||
      sourceType.kind === 'list' ||
      sourceType.kind === 'set'
    );
    if (source.isNull()) {
      if (autoUpgrade) return ok(EMPTY_TUPLE_VALUE.withSameMarks(source), diagnostics);
      diagnostics.push(
        error(
          'Splat of null value',
          'Splat expressions (with the * symbol) cannot be applied to null sequences.',
          sourceRange,
        ),
      );
      return ok(DYNAMIC_VALUE, diagnostics);
    }
    if (sourceType.kind === 'dynamic') return ok(DYNAMIC_VALUE.withSameMarks(source), diagnostics);
    let upgradedUnknown = false;
    if (autoUpgrade) {
      if (!source.isKnown()) upgradedUnknown = true;
      source = Value.tuple([source.unmark()[0]]).withSameMarks(source);
      sourceType = source.type;
    }

    const resultType = (): { type: Type; diagnostics: Diagnostic[] } => {
      const typeDiagnostics: Diagnostic[] = [];
      if (sourceType.kind === 'list' || sourceType.kind === 'set') {
        const r = each(Value.unknown(sourceType.element));
        typeDiagnostics.push(...r.diagnostics);
        return { type: listOf(r.value.type), diagnostics: typeDiagnostics };
      }
      if (sourceType.kind === 'tuple') {
        const types = sourceType.elements.map((t) => {
          const r = each(Value.unknown(t));
          typeDiagnostics.push(...r.diagnostics);
          return r.value.type;
        });
        return { type: tupleOf(types), diagnostics: typeDiagnostics };
      }
      return { type: DYNAMIC, diagnostics: typeDiagnostics };
    };

    if (!source.isKnown()) {
      const t = resultType();
      diagnostics.push(...t.diagnostics);
      return ok(Value.unknown(t.type).withSameMarks(source), diagnostics);
    }

    const [unmarked, marks] = source.unmark();
    const values: Value[] = [];
    let isKnown = true;
    for (const item of unmarked.elements()) {
      const r = each(item);
      diagnostics.push(...r.diagnostics);
      if (hasErrors(r.diagnostics)) isKnown = false;
      values.push(r.value);
    }
    if (upgradedUnknown) return ok(DYNAMIC_VALUE.withMarks(marks), diagnostics);
    if (!isKnown) return ok(Value.unknown(resultType().type).withMarks(marks), diagnostics);
    if (sourceType.kind === 'list' || sourceType.kind === 'set') {
      if (values.length === 0) {
        const t = resultType();
        diagnostics.push(...t.diagnostics);
        return ok(Value.list([], (t.type as { element: Type }).element).withMarks(marks), diagnostics);
      }
      if (!values.every((v) => typeEquals(v.type, values[0].type))) {
        diagnostics.push(
          error(
            'Invalid nested splat expressions',
            "The second level of splat expression produced elements of different types, so it isn't possible to construct a valid list to represent the top-level result.\n\nConsider using a for expression instead, to produce a tuple-typed result which can therefore have non-homogenous element types.",
            eachRange,
          ),
        );
        return ok(DYNAMIC_VALUE, diagnostics);
      }
      return ok(Value.list(values).withMarks(marks), diagnostics);
    }
    return ok(Value.tuple(values).withMarks(marks), diagnostics);
  }
}

// ---- shared pieces --------------------------------------------------------------------------------

function errorMessage(e: unknown): string | undefined {
  if (e instanceof FunctionError || e instanceof ValueError) return e.message;
  if (e instanceof NaNError) return e.message;
  return undefined;
}

function findAnonSymbol(expr: Expression): AnonSymbolExpr | undefined {
  switch (expr.kind) {
    case 'AnonSymbol':
      return expr;
    case 'RelativeTraversal':
      return findAnonSymbol(expr.source);
    case 'Index':
      return findAnonSymbol(expr.collection);
    case 'Splat':
      return findAnonSymbol(expr.source);
    case 'Parentheses':
      return findAnonSymbol(expr.inner);
    default:
      return undefined;
  }
}

/** hclsyntax's short-circuit rules for `||` and `&&` over unknown and known operands. */
function shortCircuit(
  op: '||' | '&&',
  lhs: Value,
  rhs: Value,
  lhsDiagnostics: Diagnostic[],
  rhsDiagnostics: Diagnostic[],
): EvalResult | undefined {
  const unknown = Value.unknown(BOOL);
  const controlling = op === '||';
  const isKnownBool = (v: Value, b: boolean) => v.isKnown() && !v.isNull() && v.asBool() === b;
  if (!lhs.isKnown() && !rhs.isKnown()) {
    if (!hasErrors(lhsDiagnostics)) return ok(unknown, lhsDiagnostics);
    return undefined;
  }
  if (isKnownBool(lhs, controlling)) return ok(Value.bool(controlling), lhsDiagnostics);
  if (isKnownBool(rhs, controlling)) return ok(Value.bool(controlling), rhsDiagnostics);
  if (!lhs.isKnown() && isKnownBool(rhs, !controlling)) return ok(unknown, lhsDiagnostics);
  if (!rhs.isKnown() && isKnownBool(lhs, !controlling)) return ok(unknown, rhsDiagnostics);
  return undefined;
}

/** hcl.GetAttr: `value.name`. */
export function getAttr(obj: Value, name: string, range: Range): EvalResult {
  if (obj.isNull()) {
    return ok(DYNAMIC_VALUE, [
      error(
        'Attempt to get attribute from null value',
        'This value is null, so it does not have any attributes.',
        range,
      ),
    ]);
  }
  const t = obj.type;
  const unsupported = (detail: string) => ok(DYNAMIC_VALUE, [error('Unsupported attribute', detail, range)]);
  switch (t.kind) {
    case 'object': {
      const attrType = t.attributes.get(name);
      if (!attrType) return unsupported(`This object does not have an attribute named ${goQuote(name)}.`);
      if (!obj.isKnown()) return ok(Value.unknown(attrType).withSameMarks(obj));
      // The common case (`var.x`, `source.name`): nothing marked, so nothing to unmark and mark again.
      if (!obj.isMarked()) return ok(obj.get(name)!);
      const [u, marks] = obj.unmark();
      return ok(u.get(name)!.withMarks(marks));
    }
    case 'map': {
      if (!obj.isKnown()) return ok(Value.unknown(t.element).withSameMarks(obj));
      const [u, marks] = obj.unmark();
      const element = u.get(name);
      if (!element) {
        return ok(DYNAMIC_VALUE, [
          error(
            'Missing map element',
            `This map does not have an element with the key ${goQuote(name)}.`,
            range,
          ),
        ]);
      }
      return ok(element.withMarks(marks));
    }
    case 'dynamic':
      return ok(DYNAMIC_VALUE.withSameMarks(obj));
    case 'list':
      if (t.element.kind === 'object') {
        if (t.element.attributes.has(name)) {
          return unsupported(
            `Can't access attributes on a list of objects. Did you mean to access attribute ${goQuote(name)} for a specific element of the list, or across all elements of the list?`,
          );
        }
        return unsupported(
          "Can't access attributes on a list of objects. Did you mean to access an attribute for a specific element of the list, or across all elements of the list?",
        );
      }
      return unsupported('This value does not have any attributes.');
    case 'set':
      if (t.element.kind === 'object') {
        return unsupported(
          "Can't access attributes on a set of objects. Did you mean to access an attribute across all elements of the set?",
        );
      }
      return unsupported('This value does not have any attributes.');
    case 'string':
    case 'number':
    case 'bool':
      return unsupported(`Can't access attributes on a primitive-typed value (${friendlyName(t)}).`);
    default:
      return unsupported('This value does not have any attributes.');
  }
}

/** hcl.Index: `collection[key]`. */
export function index(collection: Value, key: Value, range: Range): EvalResult {
  const invalid = (detail: string) => ok(DYNAMIC_VALUE, [error('Invalid index', detail, range)]);
  const noElement = 'The given key does not identify an element in this collection value';
  if (collection.isNull()) {
    return ok(DYNAMIC_VALUE, [
      error('Attempt to index null value', 'This value is null, so it does not have any indices.', range),
    ]);
  }
  if (key.isNull()) return invalid("Can't use a null value as an indexing key.");
  const t = collection.type;
  if (key.type.kind === 'dynamic' || t.kind === 'dynamic') return ok(DYNAMIC_VALUE.withSameMarks(collection));

  if (t.kind === 'list' || t.kind === 'tuple' || t.kind === 'map') {
    const converted = tryConvert(key, t.kind === 'map' ? STRING : NUMBER);
    if (!converted.ok) return invalid(`${noElement}: ${converted.error.message}.`);
    const [k, keyMarks] = converted.value.unmark();
    const [coll, collMarks] = collection.unmark();
    const marks = [collMarks, keyMarks];
    const unknownResult = () =>
      t.kind === 'tuple'
        ? DYNAMIC_VALUE.withSameMarks(collection)
        : Value.unknown(t.element).withSameMarks(collection);
    if (!k.isKnown()) return ok(unknownResult());
    if (t.kind === 'map') {
      if (!coll.isKnown()) return ok(unknownResult());
      const element = coll.get(k.asString());
      if (!element) return invalid(`${noElement}.`);
      return ok(element.withMarks(...marks));
    }
    const n = k.asNumber();
    const asInt = n.toBigInt();
    const length = t.kind === 'tuple' ? t.elements.length : coll.isKnown() ? coll.length() : undefined;
    const whole = asInt !== undefined && asInt.accuracy === 0;
    if (whole && asInt.value >= 0n && length !== undefined && asInt.value < BigInt(length)) {
      const i = Number(asInt.value);
      if (!coll.isKnown())
        return ok(Value.unknown(t.kind === 'tuple' ? t.elements[i] : t.element).withMarks(...marks));
      return ok(coll.elements()[i].withMarks(...marks));
    }
    if (length === undefined) return ok(unknownResult());
    if (!whole) {
      return invalid(
        `${noElement}: indexing a sequence requires a whole number, but the given index has a fractional part.`,
      );
    }
    if (asInt.value < 0n)
      return invalid(`${noElement}: a negative number is not a valid index for a sequence.`);
    if (!collection.isMarked()) {
      if (length === 0) return invalid(`${noElement}: the collection has no elements.`);
      return invalid(
        `${noElement}: the given index is greater than or equal to the length of the collection.`,
      );
    }
    return invalid(`${noElement}.`);
  }
  if (t.kind === 'object') {
    const wasNumber = key.type.kind === 'number';
    const converted = tryConvert(key, STRING);
    if (!converted.ok) return invalid(`${noElement}: ${converted.error.message}.`);
    if (!converted.value.isKnown()) return ok(DYNAMIC_VALUE.withSameMarks(collection));
    const name = converted.value.unmark()[0].asString();
    const attrType = (t as ObjectType).attributes.get(name);
    if (!attrType) {
      return invalid(
        `${noElement}.${wasNumber ? ' An object only supports looking up attributes by name, not by numeric index.' : ''}`,
      );
    }
    if (!collection.isKnown()) return ok(Value.unknown(attrType).withSameMarks(collection));
    const [coll, marks] = collection.unmark();
    return ok(coll.get(name)!.withMarks(marks, converted.value.marks));
  }
  if (t.kind === 'set') {
    return invalid(
      "Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
    );
  }
  return invalid('This value does not have any indices.');
}

/** The message hclsyntax gives when a conditional's two results cannot be unified. */
export function describeTypeMismatch(trueType: Type, falseType: Type): string {
  if (trueType.kind === 'object' && falseType.kind === 'object') {
    for (const [name, at] of trueType.attributes) {
      const other = falseType.attributes.get(name);
      if (!other)
        return `The 'true' value includes object attribute ${goQuote(name)}, which is absent in the 'false' value`;
      if (!typeEquals(at, other))
        return `Type mismatch for object attribute ${goQuote(name)}: ${describeTypeMismatch(at, other)}`;
    }
    for (const name of falseType.attributes.keys()) {
      if (!trueType.attributes.has(name)) {
        return `The 'false' value includes object attribute ${goQuote(name)}, which is absent in the 'true' value`;
      }
    }
  } else if (trueType.kind === 'tuple' && falseType.kind === 'tuple') {
    if (trueType.elements.length !== falseType.elements.length) {
      return `The 'true' tuple has length ${trueType.elements.length}, but the 'false' tuple has length ${falseType.elements.length}`;
    }
    for (let i = 0; i < trueType.elements.length; i++) {
      if (!typeEquals(trueType.elements[i], falseType.elements[i])) {
        return `Type mismatch for tuple element ${i}: ${describeTypeMismatch(trueType.elements[i], falseType.elements[i])}`;
      }
    }
  } else if (
    (trueType.kind === 'list' || trueType.kind === 'set' || trueType.kind === 'map') &&
    trueType.kind === falseType.kind
  ) {
    const te = trueType.element;
    const fe = (falseType as typeof trueType).element;
    if ((te.kind === 'object' && fe.kind === 'object') || (te.kind === 'tuple' && fe.kind === 'tuple')) {
      return `Mismatched ${trueType.kind} element types: ${describeTypeMismatch(te, fe)}`;
    }
  }
  const trueName = friendlyName(trueType);
  const falseName = friendlyName(falseType);
  if (trueName === falseName) {
    return "At least one deeply-nested attribute or element is not compatible across both the 'true' and the 'false' value";
  }
  return `The 'true' value is ${trueName}, but the 'false' value is ${falseName}`;
}

/** Renders diagnostics the way hcl.Diagnostics.Error() does (used inside nested error messages). */
export function diagnosticsAsText(diagnostics: readonly Diagnostic[]): string {
  const one = (d: Diagnostic) => `${d.range ? formatRange(d.range) : '<nil>'}: ${d.summary}; ${d.detail}`;
  if (diagnostics.length === 0) return 'no diagnostics';
  if (diagnostics.length === 1) return one(diagnostics[0]);
  return `${one(diagnostics[0])}, and ${diagnostics.length - 1} other diagnostic(s)`;
}

/** Converts a value for a caller that needs a given type, as a diagnostic on failure. */
export function convertForUse(
  value: Value,
  want: Type,
  range: Range,
  summary: string,
  prefix: string,
): EvalResult {
  try {
    return ok(convert(value, want));
  } catch (e) {
    if (!(e instanceof ValueError)) throw e;
    return ok(DYNAMIC_VALUE, [error(summary, `${prefix}${e.message}.`, range)]);
  }
}

export { numberToString };
