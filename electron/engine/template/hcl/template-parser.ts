/**
 * The template half of the HCL parser: decoding literal text (escapes), the `<<-` indentation rule,
 * and turning the flat run of literals, interpolations and directives into nested `if`/`for` parts.
 * The expression parser (parser.ts) produces the flat run; this module has no token handling.
 */
import { error, formatRange, type Diagnostic, type Range, type SourceText } from '../source';
import type { Expression, TemplatePart } from './ast';
import { isGoSpace } from './lexer';
import { goQuote } from './gostrings';

/** One item of a template as hclsyntax's first template pass sees it. Offsets are into the file. */
export type FlatPart =
  | { kind: 'lit'; value: string; start: number; end: number }
  | { kind: 'interp'; expr: Expression; stripLeft: boolean; stripRight: boolean; start: number; end: number }
  | { kind: 'if'; cond: Expression; start: number; end: number }
  | { kind: 'for'; keyVar?: string; valueVar: string; collection: Expression; start: number; end: number }
  | { kind: 'else' | 'endif' | 'endfor'; start: number; end: number };

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/**
 * The value of a literal token `src.text[start:end]`: in a quoted string (`quoted`) backslash escapes
 * are decoded; everywhere `$${` and `%%{` stand for `${` and `%{`. Bad escapes are reported and kept.
 */
export function decodeLiteral(
  src: SourceText,
  start: number,
  end: number,
  quoted: boolean,
  diags: Diagnostic[],
): string {
  const text = src.text;
  // Fast path: nothing to decode.
  let plain = true;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 36 || c === 37 || (quoted && c === 92)) {
      plain = false;
      break;
    }
  }
  if (plain) return text.slice(start, end);

  let out = '';
  let i = start;
  let runStart = start;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (
      (c === 36 || c === 37) &&
      i + 2 < end &&
      text.charCodeAt(i + 1) === c &&
      text.charCodeAt(i + 2) === 123
    ) {
      if (i > runStart) out += text.slice(runStart, i);
      out += c === 36 ? '${' : '%{';
      i += 3;
      runStart = i;
      continue;
    }
    if (c === 36 || c === 37) {
      // `$$` alone or a lone sign is literal; skip the pair so `$$${` reads as `$$` then `${`.
      i += text.charCodeAt(i + 1) === c && i + 1 < end && text.charCodeAt(i + 2) !== 123 ? 2 : 1;
      continue;
    }
    if (!quoted || c !== 92) {
      i++;
      continue;
    }
    if (i > runStart) out += text.slice(runStart, i);
    const escStart = i;
    if (i + 1 >= end) {
      diags.push(
        error(
          'Invalid escape sequence',
          'Backslash must be followed by an escape sequence selector character.',
          src.range(escStart, end),
        ),
      );
      out += '\\';
      i = end;
      runStart = i;
      continue;
    }
    const sel = text.charCodeAt(i + 1);
    switch (sel) {
      case 110:
        out += '\n';
        i += 2;
        break;
      case 114:
        out += '\r';
        i += 2;
        break;
      case 116:
        out += '\t';
        i += 2;
        break;
      case 34:
        out += '"';
        i += 2;
        break;
      case 92:
        out += '\\';
        i += 2;
        break;
      case 117 /* u */:
      case 85 /* U */: {
        const want = sel === 117 ? 4 : 8;
        let j = i + 2;
        while (j < end && j - (i + 2) < want && isHex(text.charCodeAt(j))) j++;
        const hex = text.slice(i + 2, j);
        if (hex.length !== want) {
          diags.push(
            error(
              'Invalid escape sequence',
              sel === 117
                ? 'The \\u escape sequence must be followed by four hexadecimal digits.'
                : 'The \\U escape sequence must be followed by eight hexadecimal digits.',
              src.range(escStart, j),
            ),
          );
          out += text.slice(escStart, j);
        } else {
          const cp = parseInt(hex, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            diags.push(
              error(
                'Invalid escape sequence',
                `Cannot encode character U+${cp.toString(16).padStart(4, '0')} in UTF-8.`,
                src.range(escStart, j),
              ),
            );
            out += text.slice(escStart, j);
          } else {
            out += String.fromCodePoint(cp);
          }
        }
        i = j;
        break;
      }
      default: {
        const cp = text.codePointAt(i + 1) as number;
        const width = cp > 0xffff ? 2 : 1;
        const symbol = text.slice(i + 1, i + 1 + width);
        diags.push(
          error(
            'Invalid escape sequence',
            `The symbol ${goQuote(symbol)} is not a valid escape sequence selector.`,
            src.range(escStart, i + 1 + width),
          ),
        );
        out += symbol;
        i += 1 + width;
      }
    }
    runStart = i;
  }
  if (end > runStart) out += text.slice(runStart, end);
  return out;
}

export function trimLeftSpace(s: string): string {
  let a = 0;
  while (a < s.length && isGoSpace(s.charCodeAt(a))) a++;
  return a === 0 ? s : s.slice(a);
}

export function trimRightSpace(s: string): string {
  let b = s.length;
  while (b > 0 && isGoSpace(s.charCodeAt(b - 1))) b--;
  return b === s.length ? s : s.slice(0, b);
}

/**
 * `<<-EOT`: the line with the fewest leading spaces sets how many are removed from every line.
 * Measured on the literal text before interpolation, so an interpolated value cannot change it;
 * whitespace-only lines do not count, and a line that starts with an interpolation counts as zero.
 */
export function flushHeredoc(parts: FlatPart[]): void {
  let minSpaces = Infinity;
  let newline = true;
  const adjust: Extract<FlatPart, { kind: 'lit' }>[] = [];
  for (const part of parts) {
    if (newline) {
      newline = false;
      let spaces = 0;
      if (part.kind === 'lit') {
        const trimmed = trimLeftSpace(part.value);
        if (trimmed.length === 0 && part.value.endsWith('\n')) {
          spaces = Infinity;
        } else {
          spaces = countCodePoints(part.value, part.value.length - trimmed.length);
          adjust.push(part);
        }
      }
      if (spaces < minSpaces) minSpaces = spaces;
    }
    if (part.kind === 'lit' && part.value.endsWith('\n')) newline = true;
  }
  if (minSpaces === Infinity || minSpaces === 0) return;
  for (const lit of adjust) {
    let units = 0;
    for (let n = 0; n < minSpaces && units < lit.value.length; n++) {
      units += (lit.value.codePointAt(units) as number) > 0xffff ? 2 : 1;
    }
    lit.value = lit.value.slice(units);
    lit.start = Math.min(lit.start + units, lit.end);
  }
}

function countCodePoints(s: string, units: number): number {
  let n = 0;
  for (let i = 0; i < units; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) i++;
    n++;
  }
  return n;
}

/** Joins consecutive literals into one, as hclsyntax does after trimming. */
export function meldLiterals(parts: FlatPart[]): FlatPart[] {
  const out: FlatPart[] = [];
  for (const part of parts) {
    const prev = out[out.length - 1];
    if (part.kind === 'lit' && prev !== undefined && prev.kind === 'lit') {
      out[out.length - 1] = { kind: 'lit', value: prev.value + part.value, start: prev.start, end: part.end };
    } else {
      out.push(part);
    }
  }
  return out;
}

/** Nests `if`/`else`/`endif` and `for`/`endfor` directives; reports unbalanced ones as hclsyntax does. */
export function buildTemplateParts(
  parts: readonly FlatPart[],
  endStart: number,
  endEnd: number,
  src: { range(start: number, end: number): Range },
  diags: Diagnostic[],
): TemplatePart[] {
  return new TreeBuilder(parts, endStart, endEnd, src, diags).sequence();
}

type EndDirective = Extract<FlatPart, { kind: 'else' | 'endif' | 'endfor' }>;

class TreeBuilder {
  private pos = 0;

  constructor(
    private readonly parts: readonly FlatPart[],
    private readonly endStart: number,
    private readonly endEnd: number,
    private readonly src: { range(start: number, end: number): Range },
    private readonly diags: Diagnostic[],
  ) {}

  sequence(): TemplatePart[] {
    const out: TemplatePart[] = [];
    while (this.pos < this.parts.length) {
      const part = this.one();
      if (part) out.push(part);
    }
    return out;
  }

  private one(): TemplatePart | undefined {
    const part = this.parts[this.pos];
    switch (part.kind) {
      case 'lit':
        this.pos++;
        return { kind: 'Literal', value: part.value, range: this.src.range(part.start, part.end) };
      case 'interp':
        this.pos++;
        return {
          kind: 'Interpolation',
          expr: part.expr,
          stripLeft: part.stripLeft,
          stripRight: part.stripRight,
          range: this.src.range(part.start, part.end),
        };
      case 'if':
        return this.ifDirective(part);
      case 'for':
        return this.forDirective(part);
      default:
        this.pos++;
        this.report(
          `Unexpected ${part.kind} directive`,
          'The control directives within this template are unbalanced.',
          part.start,
          part.end,
        );
        return undefined;
    }
  }

  private report(summary: string, detail: string, start: number, end: number): void {
    this.diags.push(error(summary, detail, this.src.range(start, end)));
  }

  /** Reads parts up to the next else/endif/endfor (consumed and returned), or undefined at the end. */
  private until(into: TemplatePart[]): EndDirective | undefined {
    while (this.pos < this.parts.length) {
      const next = this.parts[this.pos];
      if (next.kind === 'else' || next.kind === 'endif' || next.kind === 'endfor') {
        this.pos++;
        return next;
      }
      const part = this.one();
      if (part) into.push(part);
    }
    return undefined;
  }

  private ifDirective(open: Extract<FlatPart, { kind: 'if' }>): TemplatePart | undefined {
    this.pos++;
    const where = formatRange(this.src.range(open.start, open.end));
    const thenParts: TemplatePart[] = [];
    let elseParts: TemplatePart[] | undefined;
    for (;;) {
      const end = this.until(elseParts ?? thenParts);
      if (end === undefined) {
        this.report(
          'Unexpected end of template',
          `The if directive at ${where} is missing its corresponding endif directive.`,
          this.endStart,
          this.endEnd,
        );
        return undefined;
      }
      if (end.kind === 'else' && elseParts === undefined) {
        elseParts = [];
        continue;
      }
      if (end.kind === 'endif') {
        return {
          kind: 'If',
          cond: open.cond,
          then: thenParts,
          ...(elseParts !== undefined ? { else: elseParts } : {}),
          range: this.src.range(open.start, end.end),
        };
      }
      if (end.kind === 'else') {
        this.report(
          'Unexpected else directive',
          `Already in the else clause for the if started at ${where}.`,
          end.start,
          end.end,
        );
      } else {
        this.report(
          `Unexpected ${end.kind} directive`,
          `Expecting an endif directive for the if started at ${where}.`,
          end.start,
          end.end,
        );
      }
      return undefined;
    }
  }

  private forDirective(open: Extract<FlatPart, { kind: 'for' }>): TemplatePart | undefined {
    this.pos++;
    const where = formatRange(this.src.range(open.start, open.end));
    const body: TemplatePart[] = [];
    const end = this.until(body);
    if (end === undefined) {
      this.report(
        'Unexpected end of template',
        `The for directive at ${where} is missing its corresponding endfor directive.`,
        this.endStart,
        this.endEnd,
      );
      return undefined;
    }
    if (end.kind === 'endfor') {
      return {
        kind: 'For',
        ...(open.keyVar !== undefined ? { keyVar: open.keyVar } : {}),
        valueVar: open.valueVar,
        collection: open.collection,
        body,
        range: this.src.range(open.start, end.end),
      };
    }
    if (end.kind === 'else') {
      this.report(
        'Unexpected else directive',
        'An else clause is not expected for a for directive.',
        end.start,
        end.end,
      );
    } else {
      this.report(
        `Unexpected ${end.kind} directive`,
        `Expecting an endfor directive corresponding to the for directive at ${where}.`,
        end.start,
        end.end,
      );
    }
    return undefined;
  }
}
