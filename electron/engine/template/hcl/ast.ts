/**
 * The HCL native-syntax tree, as the parser produces it and the evaluator reads it.
 * Every node carries the range of its text, so diagnostics, hover, breakpoints and the visual editor
 * can point into the author's file. Mirrors hashicorp/hcl's hclsyntax node set.
 */
import type { Range } from '../source';

export interface Body {
  kind: 'Body';
  attributes: Attribute[];
  blocks: Block[];
  /** Attributes and blocks in source order. */
  items: (Attribute | Block)[];
  range: Range;
}

export interface Attribute {
  kind: 'Attribute';
  name: string;
  nameRange: Range;
  expr: Expression;
  /** From the name to the end of the expression. */
  range: Range;
}

export interface BlockLabel {
  value: string;
  range: Range;
  /** True for `"quoted"` labels, false for bare identifiers. */
  quoted: boolean;
}

export interface Block {
  kind: 'Block';
  type: string;
  typeRange: Range;
  labels: BlockLabel[];
  body: Body;
  openBraceRange: Range;
  closeBraceRange: Range;
  /** From the type to the closing brace. */
  range: Range;
}

export interface File {
  kind: 'File';
  file: string;
  body: Body;
}

/** One step of a traversal: `.name`, `[key]` with a literal key, or a legacy `.0` index. */
export type Traverser =
  | { kind: 'Attr'; name: string; range: Range }
  | { kind: 'Index'; key: string | number; range: Range }
  | { kind: 'Splat'; range: Range };

export type Expression =
  | LiteralExpr
  | TemplateExpr
  | TemplateWrapExpr
  | ScopeTraversalExpr
  | RelativeTraversalExpr
  | FunctionCallExpr
  | ConditionalExpr
  | BinaryOpExpr
  | UnaryOpExpr
  | TupleExpr
  | ObjectExpr
  | IndexExpr
  | SplatExpr
  | ForExpr
  | ParenthesesExpr
  | AnonSymbolExpr;

export interface LiteralExpr {
  kind: 'Literal';
  /** Numbers keep their source text in `raw` so big or precise values are not lost. */
  value: string | number | boolean | null;
  raw?: string;
  /** Set on the placeholder the parser leaves where an expression failed to parse (hcl's DynamicVal placeholder). */
  invalid?: boolean;
  range: Range;
}

/**
 * A quoted string or heredoc with interpolations/directives. A template that is only literal text is still a Template.
 * Literal parts already have strip markers (`~`) and `<<-` heredoc indentation applied, as hclsyntax does at parse time.
 */
export interface TemplateExpr {
  kind: 'Template';
  parts: TemplatePart[];
  heredoc?: { marker: string; indented: boolean };
  range: Range;
}

/** `"${expr}"` alone: its value keeps the type of `expr` (hclsyntax TemplateWrapExpr). */
export interface TemplateWrapExpr {
  kind: 'TemplateWrap';
  wrapped: Expression;
  range: Range;
}

export type TemplatePart =
  | { kind: 'Literal'; value: string; range: Range }
  | { kind: 'Interpolation'; expr: Expression; stripLeft: boolean; stripRight: boolean; range: Range }
  | {
      kind: 'If';
      cond: Expression;
      then: TemplatePart[];
      else?: TemplatePart[];
      range: Range;
    }
  | {
      kind: 'For';
      keyVar?: string;
      valueVar: string;
      collection: Expression;
      body: TemplatePart[];
      range: Range;
    };

/** `var.name.attr[0]`: a root name and the steps after it. */
export interface ScopeTraversalExpr {
  kind: 'ScopeTraversal';
  root: string;
  rootRange: Range;
  steps: Traverser[];
  range: Range;
}

/** Steps applied to the result of another expression, e.g. `foo()[0].bar`. */
export interface RelativeTraversalExpr {
  kind: 'RelativeTraversal';
  source: Expression;
  steps: Traverser[];
  range: Range;
}

export interface FunctionCallExpr {
  kind: 'FunctionCall';
  name: string;
  nameRange: Range;
  args: Expression[];
  /** `f(list...)`: the final argument is expanded. */
  expandFinal: boolean;
  openParenRange: Range;
  closeParenRange: Range;
  range: Range;
}

export interface ConditionalExpr {
  kind: 'Conditional';
  condition: Expression;
  trueResult: Expression;
  falseResult: Expression;
  range: Range;
}

export type BinaryOperator =
  '||' | '&&' | '==' | '!=' | '<' | '<=' | '>' | '>=' | '+' | '-' | '*' | '/' | '%';

export interface BinaryOpExpr {
  kind: 'BinaryOp';
  op: BinaryOperator;
  left: Expression;
  right: Expression;
  range: Range;
}

export interface UnaryOpExpr {
  kind: 'UnaryOp';
  op: '!' | '-';
  operand: Expression;
  range: Range;
}

export interface TupleExpr {
  kind: 'Tuple';
  items: Expression[];
  range: Range;
}

export interface ObjectItem {
  /** A bare identifier key is kept as a ScopeTraversal with no steps and `forceNonLiteral` false (hclsyntax ObjectConsKeyExpr). */
  key: Expression;
  /** True when the key was written in parentheses, forcing evaluation of an identifier. */
  keyIsExpression: boolean;
  value: Expression;
  range: Range;
}

export interface ObjectExpr {
  kind: 'Object';
  items: ObjectItem[];
  range: Range;
}

export interface IndexExpr {
  kind: 'Index';
  collection: Expression;
  key: Expression;
  range: Range;
}

/** `src[*].a` / `src.*.a`: `each` is evaluated per element with AnonSymbol standing for the element. */
export interface SplatExpr {
  kind: 'Splat';
  source: Expression;
  each: Expression;
  /** `[*]` is a full splat; `.*` is the legacy attribute-only splat. */
  full: boolean;
  range: Range;
}

export interface ForExpr {
  kind: 'For';
  keyVar?: string;
  valueVar: string;
  collection: Expression;
  keyExpr?: Expression;
  valueExpr: Expression;
  condition?: Expression;
  /** `...` after the value in an object for: group values by key. */
  group: boolean;
  /** `{ for ... }` gives an object, `[ for ... ]` a tuple. */
  object: boolean;
  range: Range;
}

export interface ParenthesesExpr {
  kind: 'Parentheses';
  inner: Expression;
  range: Range;
}

/** The element placeholder inside a splat's `each`. */
export interface AnonSymbolExpr {
  kind: 'AnonSymbol';
  range: Range;
}
