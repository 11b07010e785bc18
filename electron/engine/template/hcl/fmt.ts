/**
 * `packer fmt`: hclwrite.Format's canonical layout. Like hclwrite it changes only the whitespace
 * between tokens, line by line, in three passes over the token stream:
 *  1. indentation: two spaces per bracket level, from each line's net count of openers and closers;
 *  2. spacing inside a line, from the kinds of neighbouring tokens;
 *  3. alignment: the `=` of consecutive single-line assignments, then trailing line comments.
 * Heredoc and string contents, comments and blank lines are kept as they are; nothing is reordered.
 * A file with syntax errors is returned unchanged with its diagnostics.
 */
import { SourceText, hasErrors, type Diagnostic } from '../source';
import { lexHclPacked } from './lexer';
import { parsePackedTokens } from './parser';
import { T, bracketChange, type Token, type TokenType } from './tokens';

export interface HclFormatResult {
  /** The formatted text, or the input unchanged when it has syntax errors. */
  text: string;
  diagnostics: Diagnostic[];
}

export function formatHcl(text: string, file: string): HclFormatResult {
  const packed = lexHclPacked(text, 'config');
  const { diagnostics } = parsePackedTokens(new SourceText(file, text), packed);
  if (hasErrors(diagnostics)) return { text, diagnostics };
  return { text: new Formatter(text, packed.toArray()).format(), diagnostics };
}

/** One line's tokens, as index ranges into the token array, split in hclwrite's three cells. */
interface Line {
  leadStart: number;
  leadEnd: number;
  /** `assignStart === assignEnd` when the line has no single-line assignment. */
  assignStart: number;
  assignEnd: number;
  /** The trailing line comment's index, or -1. */
  comment: number;
}

const NIL = 0 as TokenType;

let segmenter: Intl.Segmenter | undefined;

/** Columns a text takes: grapheme clusters, as hclwrite counts them (CRLF is one). */
function columns(s: string): number {
  let ascii = true;
  let crlf = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) {
      ascii = false;
      break;
    }
    if (c === 13 && s.charCodeAt(i + 1) === 10) crlf++;
  }
  if (ascii) return s.length - crlf;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let n = 0;
  for (const _ of segmenter.segment(s)) n++;
  return n;
}

class Formatter {
  private readonly types: TokenType[];
  private readonly texts: string[];
  private readonly spaces: Int32Array;

  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {
    const n = tokens.length;
    this.types = new Array<TokenType>(n);
    this.texts = new Array<string>(n);
    this.spaces = new Int32Array(n);
    // hclwrite measures the gap before a token in bytes: a byte order mark counts 3.
    let prevEnd = source.charCodeAt(0) === 0xfeff ? -2 : 0;
    for (let i = 0; i < n; i++) {
      const tok = tokens[i];
      this.types[i] = tok.type;
      this.texts[i] = source.slice(tok.start, tok.end);
      this.spaces[i] = tok.start - prevEnd;
      prevEnd = tok.end;
    }
  }

  format(): string {
    const lines = this.lines();
    this.indent(lines);
    this.space(lines);
    this.align(lines);
    let out = '';
    for (let i = 0; i < this.texts.length; i++) {
      if (this.spaces[i] > 0) out += ' '.repeat(this.spaces[i]);
      out += this.texts[i];
    }
    return out;
  }

  private endsLine(i: number): boolean {
    const type = this.types[i];
    if (type === T.Newline) return true;
    // A line comment carries the newline that ends it.
    return type === T.Comment && this.texts[i].endsWith('\n');
  }

  private lines(): Line[] {
    const lines: Line[] = [];
    const last = this.tokens.length - 1; // the EOF token belongs to no line
    let start = 0;
    for (let i = 0; i <= last; i++) {
      if (i === last) {
        lines.push(this.line(start, i));
        break;
      }
      if (this.endsLine(i)) {
        lines.push(this.line(start, i + 1));
        start = i + 1;
      }
    }
    return lines;
  }

  private line(start: number, end: number): Line {
    const line: Line = { leadStart: start, leadEnd: end, assignStart: end, assignEnd: end, comment: -1 };
    if (end - start > 1 && this.types[end - 1] === T.Comment) {
      line.comment = end - 1;
      line.leadEnd = end - 1;
    }
    // The first `=` (not at the line's start) opens the assign cell if what follows it is balanced.
    for (let i = start + 1; i < line.leadEnd; i++) {
      if (this.types[i] !== T.Equal) continue;
      let net = 0;
      for (let j = i; j < line.leadEnd; j++) net += bracketChange(this.types[j]);
      if (net === 0) {
        line.assignStart = i;
        line.assignEnd = line.leadEnd;
        line.leadEnd = i;
      }
      break;
    }
    return line;
  }

  private indent(lines: Line[]): void {
    const indents: number[] = [];
    for (const line of lines) {
      if (line.leadEnd === line.leadStart) continue;
      const first = line.leadStart;
      if (this.types[first] === T.Newline) {
        this.spaces[first] = 0;
        continue;
      }
      let net = 0;
      for (let i = first; i < line.leadEnd; i++) {
        net += bracketChange(this.types[i]);
        if (this.types[i] === T.OHeredoc) break;
      }
      for (let i = line.assignStart; i < line.assignEnd; i++) net += bracketChange(this.types[i]);

      if (net > 0) {
        this.spaces[first] = 2 * indents.length;
        indents.push(net);
        continue;
      }
      // A line that closes brackets is dedented by the levels it closes, as far as they were opened.
      let closed = -net;
      while (closed > 0 && indents.length > 0) {
        const top = indents[indents.length - 1];
        if (closed >= top) {
          closed -= top;
          indents.pop();
        } else {
          indents[indents.length - 1] = top - closed;
          closed = 0;
        }
      }
      this.spaces[first] = 2 * indents.length;
    }
  }

  private space(lines: Line[]): void {
    for (const line of lines) {
      for (let i = line.leadStart; i + 1 < line.leadEnd; i++) {
        const before = i > line.leadStart ? this.types[i - 1] : NIL;
        this.spaces[i + 1] = this.spaceAfter(i, before, i + 1) ? 1 : 0;
      }
      if (line.assignStart < line.assignEnd) {
        this.spaces[line.assignStart] = 1;
        for (let i = line.assignStart; i + 1 < line.assignEnd; i++) {
          const before = i > line.assignStart ? this.types[i - 1] : NIL;
          this.spaces[i + 1] = this.spaceAfter(i, before, i + 1) ? 1 : 0;
        }
      }
    }
  }

  /** Whether token `s` is followed by a space, given the kinds before and after it (hclwrite's rules). */
  private spaceAfter(s: number, before: TokenType, a: number): boolean {
    const subject = this.types[s];
    const after = this.types[a];
    if (after === T.Newline) return false;
    if (subject === T.Ident && after === T.OParen) return false; // f(
    if (
      (subject === T.Ident && after === T.DoubleColon) ||
      (subject === T.DoubleColon && after === T.Ident)
    ) {
      return false; // provider::fn
    }
    if (subject === T.Dot || after === T.Dot) return false;
    if (after === T.Comma || after === T.Ellipsis) return false;
    if (subject === T.Comma) return true;
    if (
      subject === T.QuotedLit ||
      subject === T.StringLit ||
      subject === T.OQuote ||
      subject === T.OHeredoc ||
      after === T.QuotedLit ||
      after === T.StringLit ||
      after === T.CQuote ||
      after === T.CHeredoc
    ) {
      return false; // template contents are left alone
    }
    // `for x in [a]`: `in` is a keyword here, not a name being indexed.
    if (subject === T.Ident && before === T.Ident && this.texts[s] === 'in') return true;
    if (
      after === T.OBrack &&
      (subject === T.Ident || subject === T.NumberLit || bracketChange(subject) < 0)
    ) {
      return false; // a[0], f()[0]
    }
    if (subject === T.Bang) return false;
    if (subject === T.Minus) return this.minusIsBinary(before);
    if (subject === T.OBrace || after === T.CBrace) return !(subject === T.OBrace && after === T.CBrace);
    if ((subject === T.TemplateInterp || subject === T.TemplateControl) && after === T.OBrace) return true;
    if (subject === T.CBrace && after === T.TemplateSeqEnd) return true;
    if (subject === T.TemplateSeqEnd && (after === T.TemplateInterp || after === T.TemplateControl))
      return false;
    if (bracketChange(subject) > 0) return false;
    if (bracketChange(after) < 0) return false;
    return true;
  }

  /** A minus is a negation (no space after it) unless what precedes it can end an operand. */
  private minusIsBinary(before: TokenType): boolean {
    switch (before) {
      case NIL:
      case T.OParen:
      case T.OBrace:
      case T.OBrack:
      case T.Equal:
      case T.Colon:
      case T.Comma:
      case T.Question:
      case T.Plus:
      case T.Star:
      case T.Slash:
      case T.Percent:
      case T.Minus:
      case T.EqualOp:
      case T.NotEqual:
      case T.GreaterThan:
      case T.GreaterThanEq:
      case T.LessThan:
      case T.LessThanEq:
      case T.And:
      case T.Or:
      case T.Bang:
        return false;
      default:
        return true;
    }
  }

  private cellColumns(start: number, end: number): number {
    let n = 0;
    for (let i = start; i < end; i++) n += this.spaces[i] + columns(this.texts[i]);
    return n;
  }

  private align(lines: Line[]): void {
    // `=` of consecutive assignment lines: one space after the longest left side.
    this.alignChains(
      lines,
      (line) => line.assignStart < line.assignEnd,
      (line) => this.cellColumns(line.leadStart, line.leadEnd),
      (line) => line.assignStart,
    );
    // Then trailing comments of consecutive lines, after the (now aligned) code.
    this.alignChains(
      lines,
      (line) => line.comment >= 0,
      (line) =>
        this.cellColumns(line.leadStart, line.leadEnd) + this.cellColumns(line.assignStart, line.assignEnd),
      (line) => line.comment,
    );
  }

  private alignChains(
    lines: Line[],
    inChain: (line: Line) => boolean,
    width: (line: Line) => number,
    cellStart: (line: Line) => number,
  ): void {
    let chainStart = -1;
    let max = 0;
    const close = (end: number) => {
      for (let i = chainStart; i < end; i++) {
        const line = lines[i];
        this.spaces[cellStart(line)] = max - width(line) + 1;
      }
      chainStart = -1;
      max = 0;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      if (!inChain(line)) {
        if (chainStart >= 0) close(i);
        continue;
      }
      if (chainStart < 0) chainStart = i;
      max = Math.max(max, width(line));
    }
    if (chainStart >= 0) close(lines.length);
  }
}
