/**
 * The variables an expression refers to (hclsyntax `Variables()`): every scope traversal whose root is
 * not a name bound by an enclosing `for` (expression or template directive). Used to order locals,
 * to check `templatefile` vars, and by the editor for go-to-definition.
 */
import type { Expression, ScopeTraversalExpr, TemplatePart } from './ast';

export function referencedTraversals(expr: Expression): ScopeTraversalExpr[] {
  const out: ScopeTraversalExpr[] = [];
  walk(expr, new Set(), out);
  return out;
}

/** The distinct root names referenced (`var`, `local`, `each`, ...). */
export function referencedRoots(expr: Expression): string[] {
  return [...new Set(referencedTraversals(expr).map((t) => t.root))];
}

function walk(expr: Expression, bound: ReadonlySet<string>, out: ScopeTraversalExpr[]): void {
  switch (expr.kind) {
    case 'Literal':
    case 'AnonSymbol':
      return;
    case 'ScopeTraversal':
      if (!bound.has(expr.root)) out.push(expr);
      return;
    case 'Template':
      walkParts(expr.parts, bound, out);
      return;
    case 'TemplateWrap':
      walk(expr.wrapped, bound, out);
      return;
    case 'RelativeTraversal':
      walk(expr.source, bound, out);
      return;
    case 'FunctionCall':
      for (const arg of expr.args) walk(arg, bound, out);
      return;
    case 'Conditional':
      walk(expr.condition, bound, out);
      walk(expr.trueResult, bound, out);
      walk(expr.falseResult, bound, out);
      return;
    case 'BinaryOp':
      walk(expr.left, bound, out);
      walk(expr.right, bound, out);
      return;
    case 'UnaryOp':
      walk(expr.operand, bound, out);
      return;
    case 'Tuple':
      for (const item of expr.items) walk(item, bound, out);
      return;
    case 'Object':
      for (const item of expr.items) {
        // A bare identifier key is a literal name, not a reference.
        const literalKey =
          !item.keyIsExpression && item.key.kind === 'ScopeTraversal' && item.key.steps.length === 0;
        if (!literalKey) walk(item.key, bound, out);
        walk(item.value, bound, out);
      }
      return;
    case 'Index':
      walk(expr.collection, bound, out);
      walk(expr.key, bound, out);
      return;
    case 'Splat':
      walk(expr.source, bound, out);
      walk(expr.each, bound, out);
      return;
    case 'Parentheses':
      walk(expr.inner, bound, out);
      return;
    case 'For': {
      walk(expr.collection, bound, out);
      const inner = new Set(bound);
      if (expr.keyVar) inner.add(expr.keyVar);
      inner.add(expr.valueVar);
      if (expr.keyExpr) walk(expr.keyExpr, inner, out);
      walk(expr.valueExpr, inner, out);
      if (expr.condition) walk(expr.condition, inner, out);
      return;
    }
  }
}

function walkParts(
  parts: readonly TemplatePart[],
  bound: ReadonlySet<string>,
  out: ScopeTraversalExpr[],
): void {
  for (const part of parts) {
    switch (part.kind) {
      case 'Literal':
        break;
      case 'Interpolation':
        walk(part.expr, bound, out);
        break;
      case 'If':
        walk(part.cond, bound, out);
        walkParts(part.then, bound, out);
        if (part.else) walkParts(part.else, bound, out);
        break;
      case 'For': {
        walk(part.collection, bound, out);
        const inner = new Set(bound);
        if (part.keyVar) inner.add(part.keyVar);
        inner.add(part.valueVar);
        walkParts(part.body, inner, out);
        break;
      }
    }
  }
}
