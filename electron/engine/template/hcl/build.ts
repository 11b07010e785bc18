/**
 * Builders for expression syntax trees, for code that synthesises expressions rather than parsing
 * text (tests, generated configuration). Every node gets a zero-width range in `file`.
 */
import type { Range } from '../source';
import type {
  AnonSymbolExpr,
  BinaryOperator,
  Expression,
  ForExpr,
  ObjectItem,
  TemplatePart,
  Traverser,
} from './ast';

export function syntheticRange(file = '<synthetic>', line = 1, column = 1): Range {
  const pos = { line, column, offset: 0 };
  return { file, start: pos, end: pos };
}

const R = syntheticRange();

export function num(n: number | string): Expression {
  return { kind: 'Literal', value: Number(n), raw: String(n), range: R };
}

export function bool(b: boolean): Expression {
  return { kind: 'Literal', value: b, range: R };
}

export function nul(): Expression {
  return { kind: 'Literal', value: null, range: R };
}

/** A quoted string: literal text and `${}` interpolations; one lone interpolation keeps its type. */
export function str(...parts: (string | Expression | TemplatePart)[]): Expression {
  if (parts.length === 1 && typeof parts[0] !== 'string' && !isTemplatePart(parts[0])) {
    return { kind: 'TemplateWrap', wrapped: parts[0], range: R };
  }
  return { kind: 'Template', parts: parts.map(toPart), range: R };
}

/** Literal parts made by `text()`, told apart from string literal expressions (both are kind 'Literal'). */
const literalParts = new WeakSet<object>();

function isTemplatePart(p: Expression | TemplatePart): p is TemplatePart {
  if (p.kind === 'Interpolation' || p.kind === 'If') return true;
  if (p.kind === 'For') return 'body' in p;
  return literalParts.has(p);
}

function toPart(p: string | Expression | TemplatePart): TemplatePart {
  if (typeof p === 'string') return { kind: 'Literal', value: p, range: R };
  if (isTemplatePart(p)) return p;
  return { kind: 'Interpolation', expr: p as Expression, stripLeft: false, stripRight: false, range: R };
}

/** Literal template text (for use inside `str`, `tIf`, `tFor`). */
export function text(value: string): TemplatePart {
  const part: TemplatePart = { kind: 'Literal', value, range: R };
  literalParts.add(part);
  return part;
}

export function interp(expr: Expression, stripLeft = false, stripRight = false): TemplatePart {
  return { kind: 'Interpolation', expr, stripLeft, stripRight, range: R };
}

export function tIf(
  cond: Expression,
  then: (string | Expression | TemplatePart)[],
  otherwise?: (string | Expression | TemplatePart)[],
): TemplatePart {
  return { kind: 'If', cond, then: then.map(toPart), else: otherwise?.map(toPart), range: R };
}

export function tFor(
  vars: string | [string, string],
  collection: Expression,
  body: (string | Expression | TemplatePart)[],
): TemplatePart {
  const [keyVar, valueVar] = typeof vars === 'string' ? [undefined, vars] : vars;
  return { kind: 'For', keyVar, valueVar, collection, body: body.map(toPart), range: R };
}

function parseSteps(path: string): Traverser[] {
  const steps: Traverser[] = [];
  const re = /\.([A-Za-z_][\w-]*|\*|\d+)|\[(\d+)\]|\["([^"]*)"\]|\[\*\]/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(path))) {
    if (m.index !== consumed) throw new Error(`bad traversal syntax: ${path}`);
    consumed = re.lastIndex;
    if (m[0] === '[*]' || m[1] === '*') steps.push({ kind: 'Splat', range: R });
    else if (m[1] !== undefined && /^\d+$/.test(m[1]))
      steps.push({ kind: 'Index', key: Number(m[1]), range: R });
    else if (m[1] !== undefined) steps.push({ kind: 'Attr', name: m[1], range: R });
    else if (m[2] !== undefined) steps.push({ kind: 'Index', key: Number(m[2]), range: R });
    else steps.push({ kind: 'Index', key: m[3], range: R });
  }
  if (consumed !== path.length) throw new Error(`bad traversal syntax: ${path}`);
  return steps;
}

/** A reference such as `var.name`, `local.list[0]`, `data.x["k"].y`. */
export function ref(path: string): Expression {
  const m = /^([A-Za-z_][\w-]*)(.*)$/.exec(path);
  if (!m) throw new Error(`bad reference: ${path}`);
  return { kind: 'ScopeTraversal', root: m[1], rootRange: R, steps: parseSteps(m[2]), range: R };
}

/** Steps applied to another expression: `rel(call("f"), ".a[0]")`. */
export function rel(source: Expression, path: string): Expression {
  return { kind: 'RelativeTraversal', source, steps: parseSteps(path), range: R };
}

export function call(name: string, ...args: Expression[]): Expression {
  return {
    kind: 'FunctionCall',
    name,
    nameRange: R,
    args,
    expandFinal: false,
    openParenRange: R,
    closeParenRange: R,
    range: R,
  };
}

/** `name(a, b...)`: the final argument is expanded. */
export function callExpand(name: string, ...args: Expression[]): Expression {
  return {
    kind: 'FunctionCall',
    name,
    nameRange: R,
    args,
    expandFinal: true,
    openParenRange: R,
    closeParenRange: R,
    range: R,
  };
}

export function cond(condition: Expression, trueResult: Expression, falseResult: Expression): Expression {
  return { kind: 'Conditional', condition, trueResult, falseResult, range: R };
}

export function bin(op: BinaryOperator, left: Expression, right: Expression): Expression {
  return { kind: 'BinaryOp', op, left, right, range: R };
}

export function not(operand: Expression): Expression {
  return { kind: 'UnaryOp', op: '!', operand, range: R };
}

export function neg(operand: Expression): Expression {
  return { kind: 'UnaryOp', op: '-', operand, range: R };
}

export function tuple(...items: Expression[]): Expression {
  return { kind: 'Tuple', items, range: R };
}

/** An object constructor; a string key is a bare name, an Expression key is evaluated (as if parenthesised). */
export function obj(...items: [string | Expression, Expression][]): Expression {
  const built: ObjectItem[] = items.map(([key, value]) => {
    if (typeof key === 'string') {
      const keyExpr: Expression = /^[A-Za-z_][\w-]*$/.test(key)
        ? { kind: 'ScopeTraversal', root: key, rootRange: R, steps: [], range: R }
        : { kind: 'Template', parts: [{ kind: 'Literal', value: key, range: R }], range: R };
      return { key: keyExpr, keyIsExpression: false, value, range: R };
    }
    return { key, keyIsExpression: true, value, range: R };
  });
  return { kind: 'Object', items: built, range: R };
}

export function index(collection: Expression, key: Expression): Expression {
  return { kind: 'Index', collection, key, range: R };
}

export function paren(inner: Expression): Expression {
  return { kind: 'Parentheses', inner, range: R };
}

/** `source[*]<path>` (full) or `source.*<path>` (attribute-only). */
export function splat(source: Expression, path = '', full = true): Expression {
  const item: AnonSymbolExpr = { kind: 'AnonSymbol', range: R };
  const each: Expression =
    path === '' ? item : { kind: 'RelativeTraversal', source: item, steps: parseSteps(path), range: R };
  return { kind: 'Splat', source, each, full, range: R };
}

interface ForOptions {
  key?: Expression;
  condition?: Expression;
  group?: boolean;
}

/** `[for k, v in coll : value if cond]` (vars: `"v"` or `["k", "v"]`). */
export function forTuple(
  vars: string | [string, string],
  collection: Expression,
  value: Expression,
  condition?: Expression,
): Expression {
  const [keyVar, valueVar] = typeof vars === 'string' ? [undefined, vars] : vars;
  const e: ForExpr = {
    kind: 'For',
    keyVar,
    valueVar,
    collection,
    valueExpr: value,
    condition,
    group: false,
    object: false,
    range: R,
  };
  return e;
}

/** `{for k, v in coll : key => value... if cond}`. */
export function forObject(
  vars: string | [string, string],
  collection: Expression,
  key: Expression,
  value: Expression,
  options: ForOptions = {},
): Expression {
  const [keyVar, valueVar] = typeof vars === 'string' ? [undefined, vars] : vars;
  const e: ForExpr = {
    kind: 'For',
    keyVar,
    valueVar,
    collection,
    keyExpr: key,
    valueExpr: value,
    condition: options.condition,
    group: options.group ?? false,
    object: true,
    range: R,
  };
  return e;
}
