/** Finding things at an offset in an HCL syntax tree: the blocks around it, the attribute and expression under it. */
import type { Attribute, Block, Body, Expression, TemplatePart } from '../hcl/ast';

const inside = (offset: number, r: { start: { offset: number }; end: { offset: number } }) =>
  r.start.offset <= offset && offset <= r.end.offset;

/** The blocks whose bodies hold the offset, outermost first. */
export function blocksAt(body: Body, offset: number): Block[] {
  const path: Block[] = [];
  let current: Body | undefined = body;
  while (current) {
    const next: Block | undefined = current.blocks.find(
      (b) => b.openBraceRange.end.offset <= offset && offset <= b.closeBraceRange.start.offset,
    );
    if (!next) break;
    path.push(next);
    current = next.body;
  }
  return path;
}

/** The block whose header (type or labels, before `{`) holds the offset, if any. */
export function blockHeaderAt(body: Body, offset: number): Block | undefined {
  for (const b of body.blocks) {
    if (b.range.start.offset <= offset && offset <= b.openBraceRange.start.offset) return b;
    if (b.openBraceRange.end.offset <= offset && offset <= b.closeBraceRange.start.offset)
      return blockHeaderAt(b.body, offset);
  }
  return undefined;
}

/** The attribute of a body whose text holds the offset. */
export function attributeAt(body: Body, offset: number): Attribute | undefined {
  return body.attributes.find((a) => inside(offset, a.range));
}

function children(expr: Expression): Expression[] {
  switch (expr.kind) {
    case 'Template':
      return partsExpressions(expr.parts);
    case 'TemplateWrap':
      return [expr.wrapped];
    case 'RelativeTraversal':
      return [expr.source];
    case 'FunctionCall':
      return expr.args;
    case 'Conditional':
      return [expr.condition, expr.trueResult, expr.falseResult];
    case 'BinaryOp':
      return [expr.left, expr.right];
    case 'UnaryOp':
      return [expr.operand];
    case 'Tuple':
      return expr.items;
    case 'Object':
      return expr.items.flatMap((i) => [i.key, i.value]);
    case 'Index':
      return [expr.collection, expr.key];
    case 'Splat':
      return [expr.source, expr.each];
    case 'For':
      return [
        expr.collection,
        ...(expr.keyExpr ? [expr.keyExpr] : []),
        expr.valueExpr,
        ...(expr.condition ? [expr.condition] : []),
      ];
    case 'Parentheses':
      return [expr.inner];
    default:
      return [];
  }
}

function partsExpressions(parts: TemplatePart[]): Expression[] {
  const out: Expression[] = [];
  for (const p of parts) {
    if (p.kind === 'Interpolation') out.push(p.expr);
    else if (p.kind === 'If')
      out.push(p.cond, ...partsExpressions(p.then), ...partsExpressions(p.else ?? []));
    else if (p.kind === 'For') out.push(p.collection, ...partsExpressions(p.body));
  }
  return out;
}

/** The expressions containing the offset, outermost first. */
export function expressionsAt(expr: Expression, offset: number): Expression[] {
  if (!inside(offset, expr.range)) return [];
  const path = [expr];
  for (const child of children(expr)) {
    const deeper = expressionsAt(child, offset);
    if (deeper.length) return [...path, ...deeper];
  }
  return path;
}

/** Every expression of a body (attributes, nested blocks), for finding references. */
export function* allExpressions(body: Body): Generator<Expression> {
  const walk = function* (e: Expression): Generator<Expression> {
    yield e;
    for (const c of children(e)) yield* walk(c);
  };
  for (const a of body.attributes) yield* walk(a.expr);
  for (const b of body.blocks) yield* allExpressions(b.body);
}
