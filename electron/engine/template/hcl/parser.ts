/**
 * The HCL native-syntax parser: a recursive-descent parser following hclsyntax's grammar, precedence,
 * error wording and recovery, producing the `ast.ts` tree with a range on every node.
 *
 * It never throws. Errors are reported as diagnostics and leave placeholders (`Literal` with
 * `invalid: true`) so the tree stays whole. Like hclsyntax, once it has had to skip tokens to recover
 * it stays quiet about follow-on errors, but unlike hclsyntax it becomes attentive again at the start
 * of the next body item, so one file reports the errors of all its broken lines, not only the first.
 */
import { SourceText, error, formatRange, type Diagnostic, type Pos, type Range } from '../source';
import type {
  Attribute,
  BinaryOperator,
  Block,
  BlockLabel,
  Body,
  Expression,
  File,
  LiteralExpr,
  ObjectItem,
  TemplatePart,
  Traverser,
} from './ast';
import { lexDiagnostics, lexHclPacked } from './lexer';
import {
  buildTemplateParts,
  decodeLiteral,
  flushHeredoc,
  meldLiterals,
  trimLeftSpace,
  trimRightSpace,
  type FlatPart,
} from './template-parser';
import { T, TokenBuffer, type Token, type TokenType } from './tokens';

export interface HclFileParse {
  file: File;
  diagnostics: Diagnostic[];
}

export interface HclExpressionParse {
  expr: Expression;
  diagnostics: Diagnostic[];
}

/** Parses a whole `.pkr.hcl`/`.pkrvars.hcl` file. */
export function parseHclFile(file: string, text: string): HclFileParse {
  const src = new SourceText(file, text);
  return parsePackedTokens(src, lexHclPacked(text, 'config'));
}

/** Parses already-scanned configuration tokens (the formatter scans once and checks syntax with this). */
export function parseHclTokens(src: SourceText, tokens: Token[]): HclFileParse {
  return parsePackedTokens(src, TokenBuffer.from(tokens));
}

/** `parseHclTokens` of packed tokens (`lexHclPacked`), as the formatter scans them. */
export function parsePackedTokens(src: SourceText, tokens: TokenBuffer): HclFileParse {
  const diagnostics = lexDiagnostics(tokens, src);
  const parser = new Parser(src, tokens, diagnostics);
  let body: Body;
  try {
    body = parser.parseFileBody();
  } catch (err) {
    body = emptyBody(src);
    diagnostics.push(tooComplex(src, err));
  }
  return { file: { kind: 'File', file: src.file, body }, diagnostics };
}

/** Parses one expression, e.g. a `-var` value or a `console` line. */
export function parseHclExpression(text: string, file: string): HclExpressionParse {
  const src = new SourceText(file, text);
  const tokens = lexHclPacked(text, 'config');
  const diagnostics = lexDiagnostics(tokens, src);
  const parser = new Parser(src, tokens, diagnostics);
  try {
    return { expr: parser.parseWholeExpression(), diagnostics };
  } catch (err) {
    diagnostics.push(tooComplex(src, err));
    return { expr: placeholder(src, 0, text.length), diagnostics };
  }
}

/** Parses a bare template (no quotes), e.g. a `templatefile` file. */
export function parseHclTemplate(text: string, file: string): HclExpressionParse {
  const src = new SourceText(file, text);
  const tokens = lexHclPacked(text, 'template');
  const diagnostics = lexDiagnostics(tokens, src);
  const parser = new Parser(src, tokens, diagnostics);
  try {
    return { expr: parser.parseBareTemplate(), diagnostics };
  } catch (err) {
    diagnostics.push(tooComplex(src, err));
    return { expr: placeholder(src, 0, text.length), diagnostics };
  }
}

/** Deeper nesting than this is reported rather than risking the call stack. */
const MAX_DEPTH = 200;

class TooDeep extends Error {}

function tooComplex(src: SourceText, err: unknown): Diagnostic {
  // Only stack exhaustion is expected here; anything else is a bug worth seeing in tests.
  if (!(err instanceof RangeError) && !(err instanceof TooDeep)) throw err;
  return error(
    'Configuration too deeply nested',
    `This file nests brackets, blocks or template directives more than ${MAX_DEPTH} levels deep, which Kiln does not parse.`,
    src.range(0, 0),
  );
}

function emptyBody(src: SourceText): Body {
  return { kind: 'Body', attributes: [], blocks: [], items: [], range: src.range(0, src.text.length) };
}

function placeholder(src: SourceText, start: number, end: number): LiteralExpr {
  return { kind: 'Literal', value: null, invalid: true, range: src.range(start, end) };
}

/**
 * Ranges for one file, like SourceText.range but faster for the parser's mostly forward-moving
 * offsets: it remembers the last line it found instead of searching from scratch.
 */
/** How many recent positions a RangeMaker keeps (a power of two). */
const RECENT_POSITIONS = 256;

export class RangeMaker {
  private readonly lineStarts: ArrayLike<number>;
  private hint = 0;
  /**
   * The positions made last, by offset modulo the size: a node's start is usually its first token's and
   * its end its last token's, made just before, and Pos objects are immutable and shared already (see
   * Parser.span). A third of the parser's allocations were positions; most were repeats.
   */
  private readonly recent: (Pos | undefined)[] = new Array(RECENT_POSITIONS).fill(undefined);

  constructor(private readonly src: SourceText) {
    this.lineStarts = src.lineStartOffsets();
  }

  pos(offset: number): Pos {
    const starts = this.lineStarts;
    const o = offset < 0 ? 0 : offset > this.src.text.length ? this.src.text.length : offset;
    const seen = this.recent[o & (RECENT_POSITIONS - 1)];
    if (seen !== undefined && seen.offset === o) return seen;
    let line = this.hint;
    if (!(starts[line] <= o && (line + 1 === starts.length || o < starts[line + 1]))) {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid] <= o) lo = mid;
        else hi = mid - 1;
      }
      line = lo;
      this.hint = lo;
    }
    const pos = { line: line + 1, column: o - starts[line] + 1, offset: o };
    this.recent[o & (RECENT_POSITIONS - 1)] = pos;
    return pos;
  }

  range(start: number, end: number): Range {
    return { file: this.src.file, start: this.pos(start), end: this.pos(end) };
  }
}

const binaryLevels: Partial<Record<TokenType, BinaryOperator>>[] = [
  { [T.Or]: '||' },
  { [T.And]: '&&' },
  { [T.EqualOp]: '==', [T.NotEqual]: '!=' },
  { [T.GreaterThan]: '>', [T.GreaterThanEq]: '>=', [T.LessThan]: '<', [T.LessThanEq]: '<=' },
  { [T.Plus]: '+', [T.Minus]: '-' },
  { [T.Star]: '*', [T.Slash]: '/', [T.Percent]: '%' },
];

const validNumber = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/;

function opposite(type: TokenType): TokenType | 0 {
  switch (type) {
    case T.OBrace:
      return T.CBrace;
    case T.OBrack:
      return T.CBrack;
    case T.OParen:
      return T.CParen;
    case T.OQuote:
      return T.CQuote;
    case T.OHeredoc:
      return T.CHeredoc;
    case T.CBrace:
      return T.OBrace;
    case T.CBrack:
      return T.OBrack;
    case T.CParen:
      return T.OParen;
    case T.CQuote:
      return T.OQuote;
    case T.CHeredoc:
      return T.OHeredoc;
    case T.TemplateControl:
    case T.TemplateInterp:
      return T.TemplateSeqEnd;
    case T.TemplateSeqEnd:
      return T.TemplateInterp;
    default:
      return 0;
  }
}

/** `${~` / `%{~`: trims the whitespace that ends the literal just before. */
function trimPrevious(parts: FlatPart[], opener: Token): void {
  if (opener.end - opener.start !== 3 || parts.length === 0) return;
  const prev = parts[parts.length - 1];
  if (prev.kind === 'lit') prev.value = trimRightSpace(prev.value);
}

function levenshtein(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

class Parser {
  private idx = 0;
  private readonly newlines: boolean[] = [true];
  /** hclsyntax's recovery mode: set after skipping tokens; suppresses follow-on errors. */
  private recovery = false;
  private depth = 0;
  private scanNext = 0;
  private readonly text: string;
  private readonly ranges: RangeMaker;

  constructor(
    private readonly src: SourceText,
    private readonly toks: TokenBuffer,
    private readonly diags: Diagnostic[],
  ) {
    this.text = src.text;
    this.ranges = new RangeMaker(src);
  }

  // ---- token access (hclsyntax's peeker) ----

  /** The token object made last, by index: `peek` then `read` of the same token make one object. */
  private madeIndex = -1;
  private made: Token | undefined;

  /** Token `i` as an object (tokens are packed; objects are made only for what the parser reads). */
  private token(i: number): Token {
    if (i === this.madeIndex) return this.made!;
    const tok = this.toks.token(i);
    this.madeIndex = i;
    this.made = tok;
    return tok;
  }

  /**
   * The last scan's answer, by where it started and whether newlines counted: the grammar peeks at
   * the same place many times (each of the six binary-operator levels looks for its operator).
   */
  private scannedFrom = -1;
  private scannedInclude = false;
  private scannedNext = 0;
  private scanned: Token | undefined;

  /** The next significant token: comments are skipped, and newlines too inside brackets. */
  private scan(): Token {
    const include = this.newlines[this.newlines.length - 1];
    if (this.idx === this.scannedFrom && include === this.scannedInclude) {
      this.scanNext = this.scannedNext;
      return this.scanned!;
    }
    const tok = this.scanFresh(include);
    this.scannedFrom = this.idx;
    this.scannedInclude = include;
    this.scannedNext = this.scanNext;
    this.scanned = tok;
    return tok;
  }

  private scanFresh(include: boolean): Token {
    const toks = this.toks;
    const n = toks.length;
    for (let i = this.idx; i < n; i++) {
      const type = toks.type(i);
      if (type === T.Comment) {
        // A line comment stands for the newline it ends with.
        const end = toks.end(i);
        if (include && this.text.charCodeAt(end - 1) === 10) {
          this.scanNext = i + 1;
          return { type: T.Newline, start: toks.start(i), end };
        }
        continue;
      }
      if (type === T.Newline && !include) continue;
      this.scanNext = i + 1;
      return this.token(i);
    }
    this.scanNext = n;
    return this.token(n - 1);
  }

  private peek(): Token {
    return this.scan();
  }

  private read(): Token {
    const tok = this.scan();
    this.idx = this.scanNext;
    return tok;
  }

  private prev(): Token {
    return this.idx === 0 ? this.peek() : this.token(this.idx - 1);
  }

  private pushNewlines(include: boolean): void {
    this.newlines.push(include);
  }

  private popNewlines(): void {
    this.newlines.pop();
  }

  private range(start: number, end: number): Range {
    return this.ranges.range(start, end);
  }

  /** A range from existing positions: composite nodes share their children's Pos objects. */
  private span(start: Pos, end: Pos): Range {
    return { file: this.src.file, start, end };
  }

  private tokRange(tok: Token): Range {
    return this.ranges.range(tok.start, tok.end);
  }

  private tokText(tok: Token): string {
    return this.text.slice(tok.start, tok.end);
  }

  private isKeyword(tok: Token, word: string): boolean {
    return (
      tok.type === T.Ident && tok.end - tok.start === word.length && this.text.startsWith(word, tok.start)
    );
  }

  private report(summary: string, detail: string, start: number, end: number): void {
    this.diags.push(error(summary, detail, this.range(start, end)));
  }

  private placeholder(start: number, end: number): LiteralExpr {
    return placeholder(this.src, start, end);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw new TooDeep();
  }

  // ---- recovery ----

  private recover(end: TokenType): Token {
    const start = opposite(end);
    this.recovery = true;
    let nest = 0;
    for (;;) {
      const tok = this.read();
      let type: TokenType = tok.type;
      if (end === T.TemplateSeqEnd && type === T.TemplateControl) type = T.TemplateInterp;
      if (type === start) nest++;
      else if (type === end) {
        if (nest < 1) return tok;
        nest--;
      } else if (type === T.EOF) return tok;
    }
  }

  private recoverOver(start: TokenType): void {
    for (;;) {
      const tok = this.read();
      if (tok.type === start || tok.type === T.EOF) break;
    }
    const end = opposite(start);
    if (end !== 0) this.recover(end);
  }

  /**
   * Skips to the end of the current body item: the next newline outside brackets. With
   * `keepCloseBrace`, stops before a `}` outside brackets, which must be the body's own.
   */
  private recoverAfterBodyItem(alreadyOpen?: TokenType, keepCloseBrace = false): void {
    this.recovery = true;
    const open: TokenType[] = alreadyOpen !== undefined ? [alreadyOpen] : [];
    for (;;) {
      if (keepCloseBrace && open.length === 0 && this.peek().type === T.CBrace) return;
      const tok = this.read();
      switch (tok.type) {
        case T.Newline:
          if (open.length === 0) return;
          break;
        case T.EOF:
          return;
        case T.OBrace:
        case T.OBrack:
        case T.OParen:
        case T.OQuote:
        case T.OHeredoc:
        case T.TemplateInterp:
        case T.TemplateControl:
          open.push(tok.type);
          break;
        case T.CBrace:
        case T.CBrack:
        case T.CParen:
        case T.CQuote:
        case T.CHeredoc: {
          const opener = opposite(tok.type);
          while (open.length > 0 && open[open.length - 1] !== opener) open.pop();
          if (open.length > 0) open.pop();
          break;
        }
        case T.TemplateSeqEnd:
          while (
            open.length > 0 &&
            open[open.length - 1] !== T.TemplateInterp &&
            open[open.length - 1] !== T.TemplateControl
          ) {
            open.pop();
          }
          if (open.length > 0) open.pop();
          break;
      }
    }
  }

  // ---- entry points ----

  parseFileBody(): Body {
    const body = this.parseBody(T.EOF, 0);
    body.range = this.range(0, this.text.length);
    return body;
  }

  parseWholeExpression(): Expression {
    this.pushNewlines(false);
    const expr = this.parseExpression();
    const next = this.peek();
    if (next.type !== T.EOF && !this.recovery) {
      this.report(
        'Extra characters after expression',
        'An expression was successfully parsed, but extra characters were found after it.',
        next.start,
        next.end,
      );
    }
    this.popNewlines();
    return expr;
  }

  parseBareTemplate(): Expression {
    return this.parseTemplate(T.EOF, false, 0, undefined);
  }

  // ---- structure ----

  private atLineStart(): boolean {
    if (this.idx === 0) return true;
    const toks = this.toks;
    const prev = this.idx - 1;
    const type = toks.type(prev);
    return type === T.Newline || (type === T.Comment && this.text.charCodeAt(toks.end(prev) - 1) === 10);
  }

  /** A body up to `end` (EOF or `}`); `openEnd` is where the body's opening brace ends. */
  private parseBody(end: TokenType, openStart: number): Body {
    this.enter();
    const attributes: Attribute[] = [];
    const blocks: Block[] = [];
    const items: (Attribute | Block)[] = [];
    const byName = new Map<string, Attribute>();
    let endOffset: number;
    for (;;) {
      const next = this.peek();
      if (next.type === end) {
        this.read();
        endOffset = next.end;
        break;
      }
      if (next.type === T.Newline) {
        this.read();
        continue;
      }
      // Kiln: a new line is a fresh start, so the errors of every broken item are reported.
      if (this.atLineStart()) this.recovery = false;
      if (next.type === T.Ident) {
        const item = this.parseBodyItem();
        if (item === undefined) continue;
        if (item.kind === 'Block') {
          blocks.push(item);
          items.push(item);
          continue;
        }
        const existing = byName.get(item.name);
        if (existing) {
          this.diags.push(
            error(
              'Attribute redefined',
              `The argument "${item.name}" was already set at ${formatRange(existing.nameRange)}. Each argument may be set only once.`,
              item.nameRange,
            ),
          );
        } else {
          byName.set(item.name, item);
          attributes.push(item);
          items.push(item);
        }
        continue;
      }
      const bad = this.read();
      if (!this.recovery) {
        if (bad.type === T.OQuote) {
          this.report('Invalid argument name', 'Argument names must not be quoted.', bad.start, bad.end);
        } else if (bad.type === T.EOF) {
          if (end === T.CBrace) {
            this.report(
              'Unclosed configuration block',
              'There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.',
              openStart,
              openStart + 1,
            );
          } else {
            this.report(
              'Unclosed configuration body',
              'Found end of file before the end of this configuration body.',
              openStart,
              openStart,
            );
          }
        } else {
          this.report(
            'Argument or block definition required',
            'An argument or block definition is required here.',
            bad.start,
            bad.end,
          );
        }
      }
      if (bad.type === T.EOF) {
        endOffset = bad.end;
        break;
      }
      // Kiln: skip only this line (hclsyntax skips the rest of the body), so later items still parse.
      const opens = opposite(bad.type);
      this.recoverAfterBodyItem(
        opens !== 0 && bad.type !== T.CBrace && bad.type !== T.CBrack && bad.type !== T.CParen
          ? bad.type
          : undefined,
        end === T.CBrace,
      );
    }
    this.depth--;
    return {
      kind: 'Body',
      attributes,
      blocks,
      items,
      range: this.range(openStart, Math.max(endOffset, openStart)),
    };
  }

  private parseBodyItem(): Attribute | Block | undefined {
    const ident = this.read();
    const next = this.peek();
    switch (next.type) {
      case T.Equal:
        return this.finishAttribute(ident, false);
      case T.OQuote:
      case T.OBrace:
      case T.Ident:
        return this.finishBlock(ident);
      default:
        this.recoverAfterBodyItem();
        this.report(
          'Argument or block definition required',
          'An argument or block definition is required here. To set an argument, use the equals sign "=" to introduce the argument value.',
          ident.start,
          ident.end,
        );
        return undefined;
    }
  }

  private finishAttribute(ident: Token, singleLine: boolean): Attribute {
    this.read(); // =
    const before = this.diags.length;
    const expr = this.parseExpression();
    if (this.recovery && this.diags.length > before) {
      this.recoverAfterBodyItem();
    } else if (!singleLine) {
      const end = this.peek();
      if (end.type !== T.Newline && end.type !== T.EOF) {
        if (!this.recovery) {
          const comma = end.type === T.Comma;
          this.report(
            comma ? 'Unexpected comma after argument' : 'Missing newline after argument',
            (comma ? 'Argument definitions must be separated by newlines, not commas. ' : '') +
              'An argument definition must end with a newline.',
            end.start,
            end.end,
          );
        }
        this.recoverAfterBodyItem();
      } else {
        this.read();
      }
    }
    return {
      kind: 'Attribute',
      name: this.tokText(ident),
      nameRange: this.tokRange(ident),
      expr,
      range: this.range(ident.start, Math.max(expr.range.end.offset, ident.end)),
    };
  }

  private finishBlock(ident: Token): Block {
    const type = this.tokText(ident);
    const labels: BlockLabel[] = [];
    let oBrace: Token;
    for (;;) {
      const tok = this.peek();
      if (tok.type === T.OBrace) {
        oBrace = this.read();
        break;
      }
      if (tok.type === T.OQuote) {
        const { value, start, end } = this.parseQuotedStringLiteral();
        labels.push({ value, range: this.range(start, end), quoted: true });
        continue;
      }
      if (tok.type === T.Ident) {
        this.read();
        labels.push({ value: this.tokText(tok), range: this.tokRange(tok), quoted: false });
        continue;
      }
      if (tok.type === T.Equal) {
        this.report(
          'Invalid block definition',
          'The equals sign "=" indicates an argument definition, and must not be used when defining a block.',
          tok.start,
          tok.end,
        );
      } else if (tok.type === T.Newline) {
        this.report(
          'Invalid block definition',
          'A block definition must have block content delimited by "{" and "}", starting on the same line as the block header.',
          tok.start,
          tok.end,
        );
      } else if (!this.recovery) {
        this.report(
          'Invalid block definition',
          'Either a quoted string block label or an opening brace ("{") is expected here.',
          tok.start,
          tok.end,
        );
      }
      this.recoverAfterBodyItem();
      const identRange = this.tokRange(ident);
      return {
        kind: 'Block',
        type,
        typeRange: identRange,
        labels,
        body: { kind: 'Body', attributes: [], blocks: [], items: [], range: identRange },
        openBraceRange: identRange,
        closeBraceRange: identRange,
        range: this.range(
          ident.start,
          labels.length > 0 ? labels[labels.length - 1].range.end.offset : ident.end,
        ),
      };
    }

    let body: Body | undefined;
    const first = this.peek();
    if (first.type === T.Newline || first.type === T.EOF || first.type === T.CBrace) {
      body = this.parseBody(T.CBrace, oBrace.start);
    } else {
      body = this.parseSingleAttrBody();
      const after = this.peek();
      if (after.type === T.CBrace) {
        this.read();
      } else if (after.type === T.Comma) {
        this.report(
          'Invalid single-argument block definition',
          'Single-line block syntax can include only one argument definition. To define multiple arguments, use the multi-line block syntax with one argument definition per line.',
          after.start,
          after.end,
        );
        this.recover(T.CBrace);
      } else if (after.type === T.Newline) {
        this.report(
          'Invalid single-argument block definition',
          "An argument definition on the same line as its containing block creates a single-line block definition, which must also be closed on the same line. Place the block's closing brace immediately after the argument definition.",
          after.start,
          after.end,
        );
        this.recover(T.CBrace);
      } else {
        if (!this.recovery) {
          if (after.type === T.EOF) {
            this.report(
              'Unclosed configuration block',
              'There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.',
              oBrace.start,
              oBrace.end,
            );
          } else {
            this.report(
              'Invalid single-argument block definition',
              'A single-line block definition must end with a closing brace immediately after its single argument definition.',
              after.start,
              after.end,
            );
          }
        }
        this.recover(T.CBrace);
      }
    }
    const cBrace = this.prev();
    const eol = this.peek();
    if (eol.type === T.Newline || eol.type === T.EOF) {
      this.read();
    } else {
      if (!this.recovery) {
        this.report(
          'Missing newline after block definition',
          'A block definition must end with a newline.',
          eol.start,
          eol.end,
        );
      }
      this.recoverAfterBodyItem();
    }
    const closeEnd = Math.max(cBrace.end, oBrace.end);
    if (body === undefined) {
      body = {
        kind: 'Body',
        attributes: [],
        blocks: [],
        items: [],
        range: this.range(oBrace.start, closeEnd),
      };
    }
    return {
      kind: 'Block',
      type,
      typeRange: this.tokRange(ident),
      labels,
      body,
      openBraceRange: this.tokRange(oBrace),
      closeBraceRange: this.range(Math.max(cBrace.start, oBrace.start), closeEnd),
      range: this.range(ident.start, closeEnd),
    };
  }

  /** `foo { bar = baz }`: a block body of one attribute on the block's own line. */
  private parseSingleAttrBody(): Body | undefined {
    const ident = this.read();
    if (ident.type !== T.Ident) {
      this.recoverAfterBodyItem();
      this.report(
        'Argument or block definition required',
        'An argument or block definition is required here.',
        ident.start,
        ident.end,
      );
      return undefined;
    }
    const next = this.peek();
    if (next.type === T.Equal) {
      const attr = this.finishAttribute(ident, true);
      return { kind: 'Body', attributes: [attr], blocks: [], items: [attr], range: attr.range };
    }
    this.recoverAfterBodyItem();
    if (next.type === T.OQuote || next.type === T.OBrace || next.type === T.Ident) {
      this.report(
        'Argument definition required',
        `A single-line block definition can contain only a single argument. If you meant to define argument "${this.tokText(ident)}", use an equals sign to assign it a value. To define a nested block, place it on a line of its own within its parent block.`,
        ident.start,
        next.end,
      );
    } else {
      this.report(
        'Argument or block definition required',
        'An argument or block definition is required here. To set an argument, use the equals sign "=" to introduce the argument value.',
        ident.start,
        ident.end,
      );
    }
    return undefined;
  }

  /** A quoted string with no template sequences: a block label. */
  private parseQuotedStringLiteral(): { value: string; start: number; end: number } {
    const oQuote = this.read();
    let value = '';
    let end: number;
    for (;;) {
      const tok = this.read();
      if (tok.type === T.CQuote) {
        end = tok.end;
        break;
      }
      if (tok.type === T.QuotedLit) {
        value += decodeLiteral(this.src, tok.start, tok.end, true, this.diags);
        continue;
      }
      if (tok.type === T.TemplateControl || tok.type === T.TemplateInterp) {
        const which = tok.type === T.TemplateControl ? '%' : '$';
        this.report(
          'Invalid string literal',
          `Template sequences are not allowed in this string. To include a literal "${which}", double it (as "${which}${which}") to escape it.`,
          tok.start,
          tok.end,
        );
        value += `${which}{ ... }`;
        this.recover(T.TemplateSeqEnd);
        continue;
      }
      if (tok.type === T.EOF) {
        this.report(
          'Unterminated string literal',
          'Unable to find the closing quote mark before the end of the file.',
          tok.start,
          tok.end,
        );
        end = tok.end;
        break;
      }
      this.report(
        'Invalid string literal',
        'This item is not valid in a string literal.',
        tok.start,
        tok.end,
      );
      this.recover(T.CQuote);
      end = tok.end;
      break;
    }
    return { value, start: oQuote.start, end };
  }

  // ---- expressions ----

  private parseExpression(): Expression {
    return this.parseTernary();
  }

  private parseTernary(): Expression {
    const before = this.diags.length;
    const cond = this.parseBinary(0);
    if (this.recovery && this.diags.length > before) return cond;
    const question = this.peek();
    if (question.type !== T.Question) return cond;
    this.read();
    const beforeTrue = this.diags.length;
    const trueResult = this.parseExpression();
    if (this.recovery && this.diags.length > beforeTrue) return cond;
    const colon = this.peek();
    if (colon.type !== T.Colon) {
      this.report(
        'Missing false expression in conditional',
        'The conditional operator (...?...:...) requires a false expression, delimited by a colon.',
        colon.start,
        colon.end,
      );
      return cond;
    }
    this.read();
    const beforeFalse = this.diags.length;
    const falseResult = this.parseExpression();
    if (this.recovery && this.diags.length > beforeFalse) return cond;
    return {
      kind: 'Conditional',
      condition: cond,
      trueResult,
      falseResult,
      range: this.span(cond.range.start, falseResult.range.end),
    };
  }

  private parseBinary(level: number): Expression {
    if (level === binaryLevels.length) return this.parseWithTraversals();
    const ops = binaryLevels[level];
    const before = this.diags.length;
    let lhs = this.parseBinary(level + 1);
    if (this.recovery && this.diags.length > before) return lhs;
    let op: BinaryOperator | undefined;
    let rhs: Expression | undefined;
    for (;;) {
      const next = this.peek();
      const newOp = ops[next.type];
      if (newOp === undefined) break;
      if (op !== undefined && rhs !== undefined) lhs = this.binary(lhs, op, rhs);
      op = newOp;
      this.read();
      const beforeRhs = this.diags.length;
      rhs = this.parseBinary(level + 1);
      if (this.recovery && this.diags.length > beforeRhs) return lhs;
    }
    return op !== undefined && rhs !== undefined ? this.binary(lhs, op, rhs) : lhs;
  }

  private binary(left: Expression, op: BinaryOperator, right: Expression): Expression {
    return {
      kind: 'BinaryOp',
      op,
      left,
      right,
      range: this.span(left.range.start, right.range.end),
    };
  }

  private parseWithTraversals(): Expression {
    return this.parseTraversals(this.parseTerm());
  }

  private numberLiteral(tok: Token): LiteralExpr {
    const raw = this.tokText(tok);
    if (!validNumber.test(raw)) {
      this.report(
        'Invalid number literal',
        'Failed to recognize the value of this number literal.',
        tok.start,
        tok.end,
      );
      return { kind: 'Literal', value: null, raw, invalid: true, range: this.tokRange(tok) };
    }
    return { kind: 'Literal', value: Number(raw), raw, range: this.tokRange(tok) };
  }

  /** Adds a step to a traversal, extending it in place when `expr` already is one. */
  private traverse(expr: Expression, step: Traverser, end: number): Expression {
    if (expr.kind === 'ScopeTraversal' || expr.kind === 'RelativeTraversal') {
      expr.steps.push(step);
      expr.range = { file: expr.range.file, start: expr.range.start, end: this.ranges.pos(end) };
      return expr;
    }
    return {
      kind: 'RelativeTraversal',
      source: expr,
      steps: [step],
      range: this.span(expr.range.start, this.ranges.pos(end)),
    };
  }

  /** `.0.1` lexes as one number: hclsyntax rejects chaining legacy indexes. */
  private legacyIndex(numTok: Token, dot: Token, splat: boolean): Traverser {
    const raw = this.tokText(numTok);
    const dotAt = raw.indexOf('.');
    if (dotAt >= 0) {
      const first = raw.slice(0, dotAt);
      const second = raw.slice(dotAt + 1);
      this.report(
        'Invalid legacy index syntax',
        splat
          ? `When using the legacy index syntax, chaining two indexes together is not permitted. Use the proper index syntax with a full splat expression [*] instead, like [${first}][${second}].`
          : `When using the legacy index syntax, chaining two indexes together is not permitted. Use the proper index syntax instead, like [${first}][${second}].`,
        numTok.start,
        numTok.end,
      );
      return { kind: 'Index', key: Number(first), range: this.range(dot.start, numTok.end) };
    }
    const lit = this.numberLiteral(numTok);
    return {
      kind: 'Index',
      key: typeof lit.value === 'number' ? lit.value : 0,
      range: this.range(dot.start, numTok.end),
    };
  }

  private parseTraversals(from: Expression): Expression {
    let ret = from;
    for (;;) {
      const next = this.peek();
      if (next.type === T.Dot) {
        const dot = this.read();
        const attr = this.peek();
        if (attr.type === T.Ident) {
          this.read();
          ret = this.traverse(
            ret,
            { kind: 'Attr', name: this.tokText(attr), range: this.range(dot.start, attr.end) },
            attr.end,
          );
        } else if (attr.type === T.NumberLit) {
          this.read();
          ret = this.traverse(ret, this.legacyIndex(attr, dot, false), attr.end);
        } else if (attr.type === T.Star) {
          // `.*`: the attribute-only splat inherited from HIL.
          const marker = this.read();
          const steps: Traverser[] = [];
          const firstStart = this.peek().start;
          let lastEnd = marker.end;
          let abandoned = false;
          while (this.peek().type === T.Dot) {
            const dot2 = this.read();
            const name = this.peek();
            if (name.type === T.NumberLit) {
              this.read();
              steps.push(this.legacyIndex(name, dot2, true));
              lastEnd = name.end;
              continue;
            }
            if (name.type !== T.Ident) {
              if (!this.recovery) {
                if (name.type === T.Star) {
                  this.report(
                    'Nested splat expression not allowed',
                    'A splat expression (*) cannot be used inside another attribute-only splat expression.',
                    name.start,
                    name.end,
                  );
                } else {
                  this.report(
                    'Invalid attribute name',
                    'An attribute name is required after a dot.',
                    attr.start,
                    attr.end,
                  );
                }
              }
              this.recovery = true;
              abandoned = true;
              break;
            }
            this.read();
            steps.push({ kind: 'Attr', name: this.tokText(name), range: this.range(dot2.start, name.end) });
            lastEnd = name.end;
          }
          if (abandoned) continue;
          const item: Expression = { kind: 'AnonSymbol', range: this.range(dot.start, marker.end) };
          const each: Expression =
            steps.length === 0
              ? item
              : { kind: 'RelativeTraversal', source: item, steps, range: this.range(firstStart, lastEnd) };
          ret = {
            kind: 'Splat',
            source: ret,
            each,
            full: false,
            range: this.span(from.range.start, this.ranges.pos(lastEnd)),
          };
        } else {
          this.report(
            'Invalid attribute name',
            'An attribute name is required after a dot.',
            attr.start,
            attr.end,
          );
          ret = this.placeholder(from.range.start.offset, dot.end);
          this.recovery = true;
        }
        continue;
      }
      if (next.type === T.OBrack) {
        const open = this.read();
        if (this.peek().type === T.Star) {
          // `[*]`: a full splat, which takes every later step of this traversal.
          this.read();
          let close = this.read();
          if (close.type !== T.CBrack && !this.recovery) {
            this.report(
              'Missing close bracket on splat index',
              'The star for a full splat operator must be immediately followed by a closing bracket ("]").',
              close.start,
              close.end,
            );
            close = this.recover(T.CBrack);
          }
          const item: Expression = { kind: 'AnonSymbol', range: this.range(open.start, close.end) };
          const each = this.parseTraversals(item);
          ret = {
            kind: 'Splat',
            source: ret,
            each,
            full: true,
            range: this.span(from.range.start, each.range.end),
          };
          continue;
        }
        this.pushNewlines(false);
        const before = this.diags.length;
        const key = this.parseExpression();
        let close: Token;
        if (this.recovery && this.diags.length > before) {
          close = this.recover(T.CBrack);
        } else {
          close = this.read();
          if (close.type !== T.CBrack && !this.recovery) {
            this.report(
              'Missing close bracket on index',
              'The index operator must end with a closing bracket ("]").',
              close.start,
              close.end,
            );
            close = this.recover(T.CBrack);
          }
        }
        this.popNewlines();
        const literalKey = this.staticKey(key);
        if (literalKey !== undefined) {
          ret = this.traverse(
            ret,
            { kind: 'Index', key: literalKey, range: this.range(open.start, close.end) },
            close.end,
          );
        } else {
          ret = {
            kind: 'Index',
            collection: ret,
            key,
            range: this.span(from.range.start, this.ranges.pos(close.end)),
          };
        }
        continue;
      }
      return ret;
    }
  }

  /** A literal string or number index key becomes a traversal step, as in hclsyntax. */
  private staticKey(key: Expression): string | number | undefined {
    if (
      key.kind === 'Literal' &&
      !key.invalid &&
      (typeof key.value === 'string' || typeof key.value === 'number')
    ) {
      return key.value;
    }
    if (key.kind === 'Template' && key.parts.length === 1 && key.parts[0].kind === 'Literal') {
      return key.parts[0].value;
    }
    return undefined;
  }

  private parseTerm(): Expression {
    this.enter();
    try {
      return this.parseTermInner();
    } finally {
      this.depth--;
    }
  }

  private parseTermInner(): Expression {
    const start = this.peek();
    switch (start.type) {
      case T.OParen: {
        const oParen = this.read();
        this.pushNewlines(false);
        const before = this.diags.length;
        const inner = this.parseExpression();
        if (this.diags.length > before) {
          this.recover(T.CParen);
          this.popNewlines();
          return inner;
        }
        const close = this.peek();
        if (close.type !== T.CParen) {
          this.report(
            'Unbalanced parentheses',
            'Expected a closing parenthesis to terminate the expression.',
            close.start,
            close.end,
          );
          this.recovery = true;
        }
        const cParen = this.read();
        this.popNewlines();
        return {
          kind: 'Parentheses',
          inner,
          range: this.range(oParen.start, Math.max(cParen.end, oParen.end)),
        };
      }
      case T.NumberLit:
        this.read();
        return this.numberLiteral(start);
      case T.Ident: {
        this.read();
        const after = this.peek().type;
        if (after === T.OParen || after === T.DoubleColon) return this.finishFunctionCall(start);
        const name = this.tokText(start);
        const range = this.tokRange(start);
        if (name === 'true') return { kind: 'Literal', value: true, range };
        if (name === 'false') return { kind: 'Literal', value: false, range };
        if (name === 'null') return { kind: 'Literal', value: null, range };
        // rootRange and range start as the same object; a traversal step replaces `range`, never mutates it.
        return { kind: 'ScopeTraversal', root: name, rootRange: range, steps: [], range };
      }
      case T.OQuote:
      case T.OHeredoc: {
        const open = this.read();
        if (open.type === T.OQuote) return this.quotedString(open);
        const intro = this.tokText(open);
        const indented = intro.charCodeAt(2) === 45; /* <<- */
        const marker = intro.slice(indented ? 3 : 2).replace(/\r?\n$/, '');
        return this.parseTemplate(T.CHeredoc, indented, open.start, { marker, indented });
      }
      case T.Minus:
      case T.Bang: {
        this.read();
        // Only the term and its traversals: -46+5 is (-46)+5.
        const operand = this.parseWithTraversals();
        return {
          kind: 'UnaryOp',
          op: start.type === T.Minus ? '-' : '!',
          operand,
          range: this.span(this.ranges.pos(start.start), operand.range.end),
        };
      }
      case T.OBrack:
        return this.parseTuple();
      case T.OBrace:
        return this.parseObject();
      default:
        if (!this.recovery) {
          if (start.type === T.EOF) {
            this.report(
              'Missing expression',
              'Expected the start of an expression, but found the end of the file.',
              start.start,
              start.end,
            );
          } else {
            this.report(
              'Invalid expression',
              'Expected the start of an expression, but found an invalid expression token.',
              start.start,
              start.end,
            );
          }
        }
        this.recovery = true;
        return this.placeholder(start.start, start.end);
    }
  }

  private finishFunctionCall(name: Token): Expression {
    let openTok = this.read();
    let fullName = this.tokText(name);
    let nameEnd = name.end;
    while (openTok.type === T.DoubleColon) {
      const nextName = this.read();
      if (nextName.type !== T.Ident) {
        this.report(
          'Missing function name',
          'Function scope resolution symbol :: must be followed by a function name in this scope.',
          nextName.start,
          nextName.end,
        );
        this.recoverOver(T.OParen);
        return this.placeholder(name.start, nextName.end);
      }
      fullName += '::' + this.tokText(nextName);
      nameEnd = nextName.end;
      openTok = this.read();
    }
    if (openTok.type !== T.OParen) {
      this.report(
        'Missing open parenthesis',
        'Function selector must be followed by an open parenthesis to begin the function call.',
        openTok.start,
        openTok.end,
      );
      this.recoverOver(T.OParen);
      return this.placeholder(name.start, openTok.end);
    }

    const args: Expression[] = [];
    let expandFinal = false;
    let close: Token;
    this.pushNewlines(false);
    for (;;) {
      if (this.peek().type === T.CParen) {
        close = this.read();
        break;
      }
      const before = this.diags.length;
      args.push(this.parseExpression());
      if (this.recovery && this.diags.length > before) {
        close = this.recover(T.CParen);
        break;
      }
      const sep = this.read();
      if (sep.type === T.CParen) {
        close = sep;
        break;
      }
      if (sep.type === T.Ellipsis) {
        expandFinal = true;
        if (this.peek().type !== T.CParen) {
          if (!this.recovery) {
            this.report(
              'Missing closing parenthesis',
              'An expanded function argument (with ...) must be immediately followed by closing parentheses.',
              sep.start,
              sep.end,
            );
          }
          close = this.recover(T.CParen);
        } else {
          close = this.read();
        }
        break;
      }
      if (sep.type !== T.Comma) {
        if (sep.type === T.EOF) {
          this.report(
            'Unterminated function call',
            'There is no closing parenthesis for this function call before the end of the file. This may be caused by incorrect parenthesis nesting elsewhere in this file.',
            name.start,
            openTok.end,
          );
        } else {
          this.report(
            'Missing argument separator',
            'A comma is required to separate each function argument from the next.',
            sep.start,
            sep.end,
          );
        }
        close = this.recover(T.CParen);
        break;
      }
      if (this.peek().type === T.CParen) {
        close = this.read();
        break;
      }
    }
    this.popNewlines();
    return {
      kind: 'FunctionCall',
      name: fullName,
      nameRange: this.range(name.start, nameEnd),
      args,
      expandFinal,
      openParenRange: this.tokRange(openTok),
      closeParenRange: this.tokRange(close),
      range: this.range(name.start, Math.max(close.end, openTok.end)),
    };
  }

  private parseTuple(): Expression {
    const open = this.read();
    this.pushNewlines(false);
    try {
      if (this.isKeyword(this.peek(), 'for')) return this.finishFor(open);
      const items: Expression[] = [];
      let close: Token;
      for (;;) {
        if (this.peek().type === T.CBrack) {
          close = this.read();
          break;
        }
        const before = this.diags.length;
        items.push(this.parseExpression());
        if (this.recovery && this.diags.length > before) {
          close = this.recover(T.CBrack);
          break;
        }
        const next = this.peek();
        if (next.type === T.CBrack) {
          close = this.read();
          break;
        }
        if (next.type !== T.Comma) {
          if (!this.recovery) {
            if (next.type === T.EOF) {
              this.report(
                'Unterminated tuple constructor expression',
                'There is no corresponding closing bracket before the end of the file. This may be caused by incorrect bracket nesting elsewhere in this file.',
                open.start,
                open.end,
              );
            } else {
              this.report(
                'Missing item separator',
                'Expected a comma to mark the beginning of the next item.',
                next.start,
                next.end,
              );
            }
          }
          close = this.recover(T.CBrack);
          break;
        }
        this.read();
      }
      return { kind: 'Tuple', items, range: this.range(open.start, close.end) };
    } finally {
      this.popNewlines();
    }
  }

  private parseObject(): Expression {
    const open = this.read();
    // `for` may follow on a later line: for expressions ignore newlines, object constructors do not.
    this.pushNewlines(false);
    const isFor = this.isKeyword(this.peek(), 'for');
    this.popNewlines();
    if (isFor) {
      this.pushNewlines(false);
      try {
        return this.finishFor(open);
      } finally {
        this.popNewlines();
      }
    }

    this.pushNewlines(true);
    const items: ObjectItem[] = [];
    let close: Token;
    for (;;) {
      const next = this.peek();
      if (next.type === T.Newline) {
        this.read();
        continue;
      }
      if (next.type === T.CBrace) {
        close = this.read();
        break;
      }
      const keyIsExpression = next.type === T.OParen;
      const beforeKey = this.diags.length;
      const key = this.parseExpression();
      if (this.recovery && this.diags.length > beforeKey) {
        close = this.recover(T.CBrace);
        break;
      }
      const sep = this.peek();
      if (sep.type !== T.Equal && sep.type !== T.Colon) {
        if (!this.recovery) {
          if (sep.type === T.Newline || sep.type === T.Comma) {
            this.report(
              'Missing attribute value',
              'Expected an attribute value, introduced by an equals sign ("=").',
              sep.start,
              sep.end,
            );
          } else if (sep.type === T.Ident) {
            this.report(
              'Missing key/value separator',
              'Expected an equals sign ("=") to mark the beginning of the attribute value. If you intended to given an attribute name containing periods or spaces, write the name in quotes to create a string literal.',
              sep.start,
              sep.end,
            );
          } else if (sep.type === T.EOF) {
            this.report(
              'Unterminated object constructor expression',
              'There is no corresponding closing brace before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.',
              open.start,
              open.end,
            );
          } else {
            this.report(
              'Missing key/value separator',
              'Expected an equals sign ("=") to mark the beginning of the attribute value.',
              sep.start,
              sep.end,
            );
          }
        }
        close = this.recover(T.CBrace);
        break;
      }
      this.read();
      const beforeValue = this.diags.length;
      const value = this.parseExpression();
      if (this.recovery && this.diags.length > beforeValue) {
        close = this.recover(T.CBrace);
        break;
      }
      items.push({
        key,
        keyIsExpression,
        value,
        range: this.span(key.range.start, value.range.end),
      });
      const after = this.peek();
      if (after.type === T.CBrace) {
        close = this.read();
        break;
      }
      if (after.type !== T.Comma && after.type !== T.Newline) {
        if (!this.recovery) {
          if (after.type === T.EOF) {
            this.report(
              'Unterminated object constructor expression',
              'There is no corresponding closing brace before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file.',
              open.start,
              open.end,
            );
          } else {
            this.report(
              'Missing attribute separator',
              'Expected a newline or comma to mark the beginning of the next attribute.',
              after.start,
              after.end,
            );
          }
        }
        close = this.recover(T.CBrace);
        break;
      }
      this.read();
    }
    this.popNewlines();
    return { kind: 'Object', items, range: this.range(open.start, close.end) };
  }

  /** `[for ...]` or `{for ...}`, with the peeker just after the bracket and newlines ignored. */
  private finishFor(open: Token): Expression {
    this.read(); // for
    const makeObject = open.type === T.OBrace;
    const closeType = makeObject ? T.CBrace : T.CBrack;
    if (this.peek().type !== T.Ident)
      return this.forFail(open, closeType, "For expression requires variable name after 'for'.");
    let valueVar = this.tokText(this.read());
    let keyVar: string | undefined;
    if (this.peek().type === T.Comma) {
      keyVar = valueVar;
      this.read();
      if (this.peek().type !== T.Ident)
        return this.forFail(open, closeType, 'For expression requires value variable name after comma.');
      valueVar = this.tokText(this.read());
    }
    if (!this.isKeyword(this.peek(), 'in')) {
      return this.forFail(
        open,
        closeType,
        "For expression requires the 'in' keyword after its name declarations.",
      );
    }
    this.read();
    const beforeColl = this.diags.length;
    const collection = this.parseExpression();
    if (this.recovery && this.diags.length > beforeColl)
      return this.placeholder(open.start, this.recover(closeType).end);
    if (this.peek().type !== T.Colon)
      return this.forFail(
        open,
        closeType,
        'For expression requires a colon after the collection expression.',
      );
    this.read();

    const beforeValue = this.diags.length;
    let valueExpr = this.parseExpression();
    let keyExpr: Expression | undefined;
    if (this.peek().type === T.FatArrow) {
      this.read();
      keyExpr = valueExpr;
      valueExpr = this.parseExpression();
    }
    if (this.recovery && this.diags.length > beforeValue)
      return this.placeholder(open.start, this.recover(closeType).end);

    let group = false;
    let ellipsis: Token | undefined;
    if (this.peek().type === T.Ellipsis) {
      ellipsis = this.read();
      group = true;
    }
    let condition: Expression | undefined;
    if (this.isKeyword(this.peek(), 'if')) {
      this.read();
      const beforeCond = this.diags.length;
      condition = this.parseExpression();
      if (this.recovery && this.diags.length > beforeCond)
        return this.placeholder(open.start, this.recover(closeType).end);
    }
    let close: Token;
    if (this.peek().type === closeType) {
      close = this.read();
    } else {
      const at = this.peek();
      if (!this.recovery) {
        this.report(
          "Invalid 'for' expression",
          "Extra characters after the end of the 'for' expression.",
          at.start,
          at.end,
        );
      }
      close = this.recover(closeType);
    }
    if (!makeObject) {
      if (keyExpr) {
        this.diags.push(
          error(
            "Invalid 'for' expression",
            'Key expression is not valid when building a tuple.',
            keyExpr.range,
          ),
        );
      }
      if (ellipsis) {
        this.report(
          "Invalid 'for' expression",
          'Grouping ellipsis (...) cannot be used when building a tuple.',
          ellipsis.start,
          ellipsis.end,
        );
      }
    } else if (!keyExpr) {
      this.diags.push(
        error(
          "Invalid 'for' expression",
          'Key expression is required when building an object.',
          valueExpr.range,
        ),
      );
    }
    return {
      kind: 'For',
      ...(keyVar !== undefined ? { keyVar } : {}),
      valueVar,
      collection,
      ...(keyExpr ? { keyExpr } : {}),
      valueExpr,
      ...(condition ? { condition } : {}),
      group,
      object: makeObject,
      range: this.range(open.start, close.end),
    };
  }

  private forFail(open: Token, closeType: TokenType, detail: string): Expression {
    const at = this.peek();
    if (!this.recovery) this.report("Invalid 'for' expression", detail, at.start, at.end);
    const close = this.recover(closeType);
    return this.placeholder(open.start, close.end);
  }

  // ---- templates ----

  /** A quoted template; plain `"text"` (most strings in a template) takes a short path. */
  private quotedString(open: Token): Expression {
    const toks = this.toks;
    const i = this.idx;
    const firstType = toks.type(i);
    const empty = firstType === T.CQuote;
    if (empty || (firstType === T.QuotedLit && i + 1 < toks.length && toks.type(i + 1) === T.CQuote)) {
      const litStart = toks.start(i);
      const litEnd = toks.end(i);
      const closeEnd = empty ? litEnd : toks.end(i + 1);
      const value = empty ? '' : decodeLiteral(this.src, litStart, litEnd, true, this.diags);
      this.idx += empty ? 1 : 2;
      return {
        kind: 'Template',
        parts: [
          {
            kind: 'Literal',
            value,
            range: this.range(litStart, empty ? litStart : litEnd),
          },
        ],
        range: this.range(open.start, closeEnd),
      };
    }
    return this.parseTemplate(T.CQuote, false, open.start, undefined);
  }

  /**
   * A template up to `end` (closing quote, heredoc marker or EOF), the opener already read.
   * `"${x}"` alone becomes a TemplateWrap so the value keeps the type of `x`.
   */
  private parseTemplate(
    end: TokenType,
    flush: boolean,
    openStart: number,
    heredoc: { marker: string; indented: boolean } | undefined,
  ): Expression {
    this.enter();
    const { parts: flat, endStart, endEnd, contentStart } = this.parseTemplateParts(end);
    if (flush) flushHeredoc(flat);
    const parts = meldLiterals(flat);
    if (parts.length === 0) parts.push({ kind: 'lit', value: '', start: contentStart, end: contentStart });
    const closeEnd = Math.max(endEnd, openStart);
    const start = end === T.EOF ? 0 : openStart;
    let result: Expression;
    if (parts.length === 1 && parts[0].kind === 'interp') {
      result = { kind: 'TemplateWrap', wrapped: parts[0].expr, range: this.range(start, closeEnd) };
    } else {
      const tree: TemplatePart[] = buildTemplateParts(parts, endStart, endEnd, this.ranges, this.diags);
      result = {
        kind: 'Template',
        parts: tree,
        ...(heredoc ? { heredoc } : {}),
        range: this.range(start, closeEnd),
      };
    }
    this.depth--;
    return result;
  }

  private parseTemplateParts(end: TokenType): {
    parts: FlatPart[];
    endStart: number;
    endEnd: number;
    contentStart: number;
  } {
    const parts: FlatPart[] = [];
    const startTok = this.peek();
    const contentStart = startTok.start;
    let ltrimNext = false;
    let nextCanTrimPrev = false;
    let endTok: Token;

    for (;;) {
      const next = this.read();
      if (next.type === end) {
        endTok = next;
        break;
      }
      const ltrim = ltrimNext;
      ltrimNext = false;
      const canTrimPrev = nextCanTrimPrev;
      nextCanTrimPrev = false;

      if (next.type === T.StringLit || next.type === T.QuotedLit) {
        let value = decodeLiteral(this.src, next.start, next.end, next.type === T.QuotedLit, this.diags);
        if (ltrim) value = trimLeftSpace(value);
        parts.push({ kind: 'lit', value, start: next.start, end: next.end });
        nextCanTrimPrev = true;
        continue;
      }

      if (next.type === T.TemplateInterp) {
        if (canTrimPrev) trimPrevious(parts, next);
        this.pushNewlines(false);
        const expr = this.parseExpression();
        const close = this.peek();
        let closeEnd: number;
        let strip = false;
        if (close.type !== T.TemplateSeqEnd) {
          if (!this.recovery) this.reportUnclosedInterpolation(close, startTok, end);
          closeEnd = this.recover(T.TemplateSeqEnd).end;
        } else {
          this.read();
          closeEnd = close.end;
          strip = close.end - close.start === 2; // `~}`
          if (strip) ltrimNext = true;
        }
        this.popNewlines();
        parts.push({
          kind: 'interp',
          expr,
          stripLeft: next.end - next.start === 3,
          stripRight: strip,
          start: next.start,
          end: closeEnd,
        });
        continue;
      }

      if (next.type === T.TemplateControl) {
        if (canTrimPrev) trimPrevious(parts, next);
        this.pushNewlines(false);
        if (this.parseDirective(next, parts)) ltrimNext = true;
        this.popNewlines();
        continue;
      }

      if (!this.recovery) {
        this.report(
          'Unterminated template string',
          'No closing marker was found for the string.',
          next.start,
          next.end,
        );
      }
      endTok = next.type === T.EOF ? next : this.recover(end);
      break;
    }
    return { parts, endStart: endTok.start, endEnd: endTok.end, contentStart };
  }

  private reportUnclosedInterpolation(close: Token, startTok: Token, end: TokenType): void {
    if (close.type === T.EOF) {
      this.report(
        'Unclosed template interpolation sequence',
        'There is no closing brace for this interpolation sequence before the end of the file. This might be caused by incorrect nesting inside the given expression.',
        startTok.start,
        startTok.end,
      );
    } else if (close.type === T.Colon) {
      this.report(
        'Extra characters after interpolation expression',
        'Template interpolation doesn\'t expect a colon at this location. Did you intend this to be a literal sequence to be processed as part of another language? If so, you can escape it by starting with "$${" instead of just "${".',
        close.start,
        close.end,
      );
    } else if ((close.type === T.CQuote || close.type === T.OQuote) && end === T.CQuote) {
      this.report(
        'Unclosed template interpolation sequence',
        'There is no closing brace for this interpolation sequence before the end of the quoted template. This might be caused by incorrect nesting inside the given expression.',
        startTok.start,
        startTok.end,
      );
    } else {
      this.report(
        'Extra characters after interpolation expression',
        'Expected a closing brace to end the interpolation expression, but found extra characters.\n\nThis can happen when you include interpolation syntax for another language, such as shell scripting, but forget to escape the interpolation start token. If this is an embedded sequence for another language, escape it by starting with "$${" instead of just "${".',
        close.start,
        close.end,
      );
    }
  }

  /** One `%{ ... }` directive, its opener already read: pushes its flat part; true if it ends with `~}`. */
  private parseDirective(open: Token, parts: FlatPart[]): boolean {
    const kw = this.peek();
    if (kw.type !== T.Ident) {
      if (!this.recovery) {
        this.report(
          'Invalid template directive',
          'A template directive keyword ("if", "for", etc) is expected at the beginning of a %{ sequence.',
          kw.start,
          kw.end,
        );
      }
      this.recover(T.TemplateSeqEnd);
      return false;
    }
    this.read();
    const word = this.tokText(kw);
    switch (word) {
      case 'if': {
        const cond = this.parseExpression();
        parts.push({ kind: 'if', cond, start: open.start, end: this.peek().end });
        break;
      }
      case 'else':
      case 'endif':
      case 'endfor':
        parts.push({ kind: word, start: open.start, end: this.peek().end });
        break;
      case 'for': {
        if (this.peek().type !== T.Ident) {
          return this.directiveFail("For directive requires variable name after 'for'.");
        }
        let valueVar = this.tokText(this.read());
        let keyVar: string | undefined;
        if (this.peek().type === T.Comma) {
          keyVar = valueVar;
          this.read();
          if (this.peek().type !== T.Ident) {
            return this.directiveFail('For directive requires value variable name after comma.');
          }
          valueVar = this.tokText(this.read());
        }
        if (!this.isKeyword(this.peek(), 'in')) {
          return this.directiveFail("For directive requires 'in' keyword after names.");
        }
        this.read();
        const collection = this.parseExpression();
        parts.push({
          kind: 'for',
          ...(keyVar !== undefined ? { keyVar } : {}),
          valueVar,
          collection,
          start: open.start,
          end: this.peek().end,
        });
        break;
      }
      default: {
        if (!this.recovery) {
          const suggestion = ['if', 'for', 'else', 'endif', 'endfor'].find((s) => levenshtein(word, s) < 3);
          this.report(
            'Invalid template control keyword',
            `"${word}" is not a valid template control keyword.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
            kw.start,
            kw.end,
          );
        }
        this.recover(T.TemplateSeqEnd);
        return false;
      }
    }
    const close = this.peek();
    if (close.type !== T.TemplateSeqEnd) {
      if (!this.recovery) {
        this.report(
          `Extra characters in ${word} marker`,
          'Expected a closing brace to end the sequence, but found extra characters.',
          close.start,
          close.end,
        );
      }
      this.recover(T.TemplateSeqEnd);
      return false;
    }
    this.read();
    return close.end - close.start === 2;
  }

  private directiveFail(detail: string): false {
    const at = this.peek();
    if (!this.recovery) this.report("Invalid 'for' directive", detail, at.start, at.end);
    this.recover(T.TemplateSeqEnd);
    return false;
  }
}
