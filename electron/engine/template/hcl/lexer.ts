/**
 * The HCL native-syntax scanner. It reproduces hclsyntax's token stream (kinds and extents), since both
 * the parser's error recovery and `kiln fmt`'s re-spacing are defined on that stream.
 *
 * Modes mirror the scanner's machines: `main` (configuration and the inside of `${ }`/`%{ }`), quoted
 * strings, heredocs and bare templates (`templatefile`). Offsets are UTF-16 code units.
 */
import { error, type Diagnostic, type SourceText } from '../source';
import { T, TokenBuffer, type Token, type TokenType } from './tokens';

export type LexMode = 'config' | 'template';

const enum Mode {
  Main,
  Quoted,
  Heredoc,
  Bare,
}

interface Heredoc {
  marker: string;
  startOfLine: boolean;
}

const CH_TAB = 9;
const CH_LF = 10;
const CH_CR = 13;
const CH_SPACE = 32;

const idStart = /[\p{ID_Start}_]/u;
const idContinue = /[\p{ID_Continue}-]/u;

function isAsciiIdStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

function isAsciiIdContinue(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 45;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Go's unicode.IsSpace, which hclsyntax uses to trim heredoc markers and `~` strip markers. */
export function isGoSpace(c: number): boolean {
  if (c <= 0xff) return c === 32 || (c >= 9 && c <= 13) || c === 0x85 || c === 0xa0;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function goTrimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

/** True at an unpaired UTF-16 surrogate: a byte that was not UTF-8 (see `decodeHclBytes`). */
function isLoneSurrogate(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c < 0xd800 || c > 0xdfff) return false;
  if (c <= 0xdbff) {
    const next = text.charCodeAt(i + 1);
    return !(next >= 0xdc00 && next <= 0xdfff);
  }
  const prev = text.charCodeAt(i - 1);
  return !(prev >= 0xd800 && prev <= 0xdbff);
}

/** End of a run of heredoc/bare template text: up to `$`, `%`, a line break or a byte that is not UTF-8. */
function literalRunEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === 36 || d === 37 || d === CH_LF || d === CH_CR) break;
    if (d >= 0xd800 && d <= 0xdfff) {
      if (isLoneSurrogate(text, i)) break;
      i += 2;
      continue;
    }
    i++;
  }
  return i;
}

/**
 * Decodes a file's bytes for the scanner: UTF-8, with each byte that is not part of a well-formed
 * sequence kept as the lone surrogate U+DC00+byte, so `encodeHclText` gives the same bytes back and
 * the scanner can report (or, inside comments, keep) them as hclsyntax does. A byte order mark is kept.
 */
export function decodeHclBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    // Slow path: decode the well-formed runs, escape the rest byte by byte.
  }
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const width = utf8SequenceLength(bytes, i);
    if (width > 0) {
      i += width;
      continue;
    }
    out += decoder.decode(bytes.subarray(runStart, i)) + String.fromCharCode(0xdc00 + bytes[i]);
    i++;
    runStart = i;
  }
  return out + decoder.decode(bytes.subarray(runStart));
}

/** The length of the well-formed UTF-8 sequence at `i`, or 0. */
function utf8SequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  if (c < 0x80) return 1;
  const need = c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : 0;
  if (need === 0 || i + need >= b.length) return 0;
  const second = b[i + 1];
  if ((c === 0xe0 && second < 0xa0) || (c === 0xed && second >= 0xa0)) return 0;
  if ((c === 0xf0 && second < 0x90) || (c === 0xf4 && second >= 0x90)) return 0;
  for (let k = 1; k <= need; k++) if ((b[i + k] & 0xc0) !== 0x80) return 0;
  return need + 1;
}

/** The inverse of `decodeHclBytes`. */
export function encodeHclText(text: string): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [];
  let runStart = 0;
  let total = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc80 || c > 0xdcff || !isLoneSurrogate(text, i)) continue;
    const run = encoder.encode(text.slice(runStart, i));
    parts.push(run, Uint8Array.of(c - 0xdc00));
    total += run.length + 1;
    runStart = i + 1;
  }
  if (parts.length === 0) return encoder.encode(text);
  const last = encoder.encode(text.slice(runStart));
  parts.push(last);
  total += last.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Scans `text` into tokens, always ending with one EOF token. Never throws. */
export function lexHcl(text: string, mode: LexMode = 'config'): Token[] {
  return lexHclPacked(text, mode).toArray();
}

/** `lexHcl` into a packed buffer (what the parser reads). */
export function lexHclPacked(text: string, mode: LexMode = 'config'): TokenBuffer {
  return new Lexer(text, mode === 'template' ? Mode.Bare : Mode.Main).run();
}

class Lexer {
  private readonly tokens: TokenBuffer;
  private pos: number;
  private mode: Mode;
  private readonly modeStack: Mode[] = [];
  private braces = 0;
  private readonly retBraces: number[] = [];
  private readonly heredocs: Heredoc[] = [];

  constructor(
    private readonly text: string,
    private readonly startMode: Mode,
  ) {
    this.mode = startMode;
    // About one token per four characters in real templates: one buffer, rarely regrown.
    this.tokens = new TokenBuffer((text.length >> 2) + 16);
    // A UTF-8 byte order mark is not part of the content.
    this.pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  }

  run(): TokenBuffer {
    const len = this.text.length;
    while (this.pos < len) {
      let ok: boolean;
      switch (this.mode) {
        case Mode.Main:
          ok = this.scanMain();
          break;
        case Mode.Quoted:
          ok = this.scanQuoted();
          break;
        case Mode.Heredoc:
          ok = this.scanHeredoc();
          break;
        case Mode.Bare:
          ok = this.scanBare();
          break;
      }
      if (!ok) {
        // The scanner found nothing it could match: the rest is one invalid token (or, at the top
        // level of a bare template, literal text).
        const type = this.mode === Mode.Bare && this.modeStack.length === 0 ? T.StringLit : T.Invalid;
        this.emit(type, this.pos, len);
        this.pos = len;
      }
    }
    this.emit(T.EOF, len, len);
    return this.tokens;
  }

  private emit(type: TokenType, start: number, end: number): void {
    this.tokens.push(type, start, end);
  }

  private push(next: Mode): void {
    this.modeStack.push(this.mode);
    this.mode = next;
  }

  private pop(): void {
    this.mode = this.modeStack.length > 0 ? (this.modeStack.pop() as Mode) : this.startMode;
  }

  /** `${` or `%{` (with an optional `~`) at pos: enters the expression scanner. */
  private beginSequence(type: TokenType): void {
    const start = this.pos;
    let end = start + 2;
    if (this.text.charCodeAt(end) === 126 /* ~ */) end++;
    this.emit(type, start, end);
    this.pos = end;
    this.braces++;
    this.retBraces.push(this.braces);
    if (this.heredocs.length > 0) this.heredocs[this.heredocs.length - 1].startOfLine = false;
    this.push(Mode.Main);
  }

  /**
   * A `$` or `%` in literal text that does not open a sequence: `$${`/`%%{` (escapes, with an optional
   * `~`) or the lone sign. Returns the end offset.
   */
  private templateSignEnd(sign: number): number {
    const text = this.text;
    const p = this.pos;
    if (text.charCodeAt(p + 1) === sign && text.charCodeAt(p + 2) === 123 /* { */) {
      return text.charCodeAt(p + 3) === 126 ? p + 4 : p + 3;
    }
    return p + 1;
  }

  private scanMain(): boolean {
    const text = this.text;
    const p = this.pos;
    const c = text.charCodeAt(p);
    const next = text.charCodeAt(p + 1);
    switch (c) {
      case CH_SPACE:
      case CH_TAB: {
        let i = p + 1;
        for (let d = text.charCodeAt(i); d === CH_SPACE || d === CH_TAB; d = text.charCodeAt(++i));
        this.pos = i;
        return true;
      }
      case CH_LF:
        return this.single(T.Newline, 1);
      case CH_CR:
        return next === CH_LF ? this.single(T.Newline, 2) : this.single(T.Invalid, 1);
      case 35 /* # */:
        return this.lineComment(p + 1);
      case 47 /* / */:
        if (next === 47) return this.lineComment(p + 2);
        if (next === 42 /* * */) {
          const close = text.indexOf('*/', p + 2);
          // An unterminated /* is not a comment: the scanner falls back to the `/` it matched.
          if (close >= 0) return this.single(T.Comment, close + 2 - p);
        }
        return this.single(T.Slash, 1);
      case 61 /* = */:
        if (next === 61) return this.single(T.EqualOp, 2);
        if (next === 62) return this.single(T.FatArrow, 2);
        return this.single(T.Equal, 1);
      case 33 /* ! */:
        return next === 61 ? this.single(T.NotEqual, 2) : this.single(T.Bang, 1);
      case 62 /* > */:
        return next === 61 ? this.single(T.GreaterThanEq, 2) : this.single(T.GreaterThan, 1);
      case 60 /* < */:
        if (next === 61) return this.single(T.LessThanEq, 2);
        if (next === 60 && this.heredocStart()) return true;
        return this.single(T.LessThan, 1);
      case 38 /* & */:
        return next === 38 ? this.single(T.And, 2) : this.single(T.BitwiseAnd, 1);
      case 124 /* | */:
        return next === 124 ? this.single(T.Or, 2) : this.single(T.BitwiseOr, 1);
      case 58 /* : */:
        return next === 58 ? this.single(T.DoubleColon, 2) : this.single(T.Colon, 1);
      case 46 /* . */:
        if (next === 46 && text.charCodeAt(p + 2) === 46) return this.single(T.Ellipsis, 3);
        return this.single(T.Dot, 1);
      case 126 /* ~ */:
        if (next === 125) {
          // `~}` always ends a template sequence, even a misplaced one, so the parser can report it.
          this.emit(T.TemplateSeqEnd, p, p + 2);
          this.pos = p + 2;
          this.closeSequence(true);
          return true;
        }
        return this.single(T.BitwiseNot, 1);
      case 123 /* { */:
        this.braces++;
        return this.single(T.OBrace, 1);
      case 125 /* } */:
        if (this.retBraces.length > 0 && this.retBraces[this.retBraces.length - 1] === this.braces) {
          this.emit(T.TemplateSeqEnd, p, p + 1);
          this.pos = p + 1;
          this.closeSequence(false);
          return true;
        }
        this.braces--;
        return this.single(T.CBrace, 1);
      case 34 /* " */:
        this.single(T.OQuote, 1);
        this.push(Mode.Quoted);
        return true;
      case 91:
        return this.single(T.OBrack, 1);
      case 93:
        return this.single(T.CBrack, 1);
      case 40:
        return this.single(T.OParen, 1);
      case 41:
        return this.single(T.CParen, 1);
      case 44:
        return this.single(T.Comma, 1);
      case 42:
        return this.single(T.Star, 1);
      case 37:
        return this.single(T.Percent, 1);
      case 43:
        return this.single(T.Plus, 1);
      case 45:
        return this.single(T.Minus, 1);
      case 63:
        return this.single(T.Question, 1);
      case 94:
        return this.single(T.BitwiseXor, 1);
      case 59:
        return this.single(T.Semicolon, 1);
      case 96:
        return this.single(T.Backtick, 1);
      case 39:
        return this.single(T.Apostrophe, 1);
    }
    if (isDigit(c)) return this.number();
    if (isAsciiIdStart(c)) return this.single(T.Ident, this.identEnd(p + 1) - p);
    if (c >= 0x80) {
      if (isLoneSurrogate(text, p)) return this.single(T.BadUTF8, 1);
      const cp = text.codePointAt(p) as number;
      const width = cp > 0xffff ? 2 : 1;
      if (idStart.test(String.fromCodePoint(cp))) return this.single(T.Ident, this.identEnd(p + width) - p);
      return this.single(T.Invalid, width);
    }
    return this.single(T.Invalid, 1);
  }

  private single(type: TokenType, length: number): boolean {
    this.emit(type, this.pos, this.pos + length);
    this.pos += length;
    return true;
  }

  /** A `#` or `//` comment: to the end of the line, including the line feed. */
  private lineComment(from: number): boolean {
    const lf = this.text.indexOf('\n', from);
    const end = lf < 0 ? this.text.length : lf + 1;
    return this.single(T.Comment, end - this.pos);
  }

  private identEnd(from: number): number {
    const text = this.text;
    let i = from;
    for (;;) {
      const c = text.charCodeAt(i);
      if (isAsciiIdContinue(c)) {
        i++;
        continue;
      }
      if (c >= 0x80) {
        const cp = text.codePointAt(i) as number;
        if (idContinue.test(String.fromCodePoint(cp))) {
          i += cp > 0xffff ? 2 : 1;
          continue;
        }
      }
      return i;
    }
  }

  /** digit (digit | '.' | [eE][+-]?digit)*, not ending with '.'. */
  private number(): boolean {
    const text = this.text;
    let i = this.pos + 1;
    let lastGood = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (isDigit(c)) {
        lastGood = ++i;
      } else if (c === 46) {
        i++;
      } else if (c === 101 || c === 69) {
        const d = text.charCodeAt(i + 1);
        if (isDigit(d)) lastGood = i += 2;
        else if ((d === 43 || d === 45) && isDigit(text.charCodeAt(i + 2))) lastGood = i += 3;
        else break;
      } else break;
    }
    return this.single(T.NumberLit, lastGood - this.pos);
  }

  /** `<<EOT` or `<<-EOT` then a line break: opens a heredoc. False if the text is not one. */
  private heredocStart(): boolean {
    const text = this.text;
    const p = this.pos;
    let i = p + 2;
    if (text.charCodeAt(i) === 45 /* - */) i++;
    const markerStart = i;
    const c = text.charCodeAt(i);
    if (isAsciiIdStart(c)) i = this.identEnd(i + 1);
    else if (c >= 0x80) {
      const cp = text.codePointAt(i) as number;
      if (!idStart.test(String.fromCodePoint(cp))) return false;
      i = this.identEnd(i + (cp > 0xffff ? 2 : 1));
    } else return false;
    const markerEnd = i;
    if (text.charCodeAt(i) === CH_CR) i++;
    if (text.charCodeAt(i) !== CH_LF) return false;
    this.emit(T.OHeredoc, p, i + 1);
    this.pos = i + 1;
    this.heredocs.push({ marker: text.slice(markerStart, markerEnd), startOfLine: true });
    this.push(Mode.Heredoc);
    return true;
  }

  /** After a `}` or `~}` token: leaves the interpolation if it closes one. */
  private closeSequence(tilde: boolean): void {
    const top = this.retBraces.length > 0 ? this.retBraces[this.retBraces.length - 1] : undefined;
    if (top === this.braces) {
      this.braces--;
      this.retBraces.pop();
      this.pop();
    } else if (tilde) {
      this.braces--;
    }
  }

  private scanQuoted(): boolean {
    const text = this.text;
    const p = this.pos;
    const c = text.charCodeAt(p);
    const next = text.charCodeAt(p + 1);
    if (c === 34 /* " */) {
      this.single(T.CQuote, 1);
      this.pop();
      return true;
    }
    if (c === 36 /* $ */ || c === 37 /* % */) {
      if (next === 123) {
        this.beginSequence(c === 36 ? T.TemplateInterp : T.TemplateControl);
        return true;
      }
      if (p + 1 >= text.length) return false;
      return this.single(T.QuotedLit, this.templateSignEnd(c) - p);
    }
    if (c === CH_LF || c === CH_CR) {
      let i = p + 1;
      for (let d = text.charCodeAt(i); d === CH_LF || d === CH_CR; d = text.charCodeAt(++i));
      return this.single(T.QuotedNewline, i - p);
    }
    if (isLoneSurrogate(text, p)) return this.single(T.BadUTF8, 1);
    let i = p;
    for (;;) {
      const d = text.charCodeAt(i);
      if (d === 92 /* \ */) {
        const e = text.charCodeAt(i + 1);
        if (i + 1 >= text.length || e === CH_LF || e === CH_CR || isLoneSurrogate(text, i + 1)) break;
        i += e >= 0xd800 && e <= 0xdbff ? 3 : 2;
        continue;
      }
      if (d === 36 || d === 37 || d === 34 || d === CH_LF || d === CH_CR || i >= text.length) break;
      if (d >= 0xd800 && d <= 0xdfff) {
        if (isLoneSurrogate(text, i)) break;
        i += 2;
        continue;
      }
      i++;
    }
    if (i === p) return this.single(T.Invalid, 1); // a backslash at the end of a line
    return this.single(T.QuotedLit, i - p);
  }

  private scanHeredoc(): boolean {
    const text = this.text;
    const p = this.pos;
    const c = text.charCodeAt(p);
    const doc = this.heredocs[this.heredocs.length - 1];
    if (c === 36 || c === 37) {
      if (text.charCodeAt(p + 1) === 123) {
        this.beginSequence(c === 36 ? T.TemplateInterp : T.TemplateControl);
        return true;
      }
      if (p + 1 >= text.length) return false;
      doc.startOfLine = false;
      return this.single(T.StringLit, this.templateSignEnd(c) - p);
    }
    if (isLoneSurrogate(text, p)) return this.single(T.BadUTF8, 1);
    const i = literalRunEnd(text, p);
    let eol = -1;
    if (text.charCodeAt(i) === CH_LF) eol = i + 1;
    else if (text.charCodeAt(i) === CH_CR && text.charCodeAt(i + 1) === CH_LF) eol = i + 2;
    if (eol < 0) {
      if (i === p) return false; // a carriage return alone: nothing matches
      doc.startOfLine = false;
      return this.single(T.StringLit, i - p);
    }
    if (doc.startOfLine && goTrimSpace(text.slice(p, eol)) === doc.marker) {
      // The closing marker, then its line break as a separate newline token.
      this.emit(T.CHeredoc, p, i);
      this.emit(T.Newline, i, eol);
      this.pos = eol;
      this.heredocs.pop();
      this.pop();
      return true;
    }
    doc.startOfLine = true;
    return this.single(T.StringLit, eol - p);
  }

  private scanBare(): boolean {
    const text = this.text;
    const p = this.pos;
    const c = text.charCodeAt(p);
    if (c === 36 || c === 37) {
      if (text.charCodeAt(p + 1) === 123) {
        this.beginSequence(c === 36 ? T.TemplateInterp : T.TemplateControl);
        return true;
      }
      if (p + 1 >= text.length) return false;
      return this.single(T.StringLit, this.templateSignEnd(c) - p);
    }
    if (isLoneSurrogate(text, p)) return this.single(T.BadUTF8, 1);
    let i = literalRunEnd(text, p);
    if (text.charCodeAt(i) === CH_LF) i++;
    else if (text.charCodeAt(i) === CH_CR && text.charCodeAt(i + 1) === CH_LF) i += 2;
    if (i === p) return false;
    return this.single(T.StringLit, i - p);
  }
}

/** hclsyntax's lexical checks: characters the language does not use, reported once or a few times. */
export function lexDiagnostics(tokens: readonly Token[] | TokenBuffer, src: SourceText): Diagnostic[] {
  const packed = tokens instanceof TokenBuffer ? tokens : undefined;
  const list = tokens instanceof TokenBuffer ? undefined : tokens;
  const diags: Diagnostic[] = [];
  let toldBitwise = 0;
  let toldBacktick = 0;
  let toldApostrophe = 0;
  let toldSemicolon = 0;
  let toldBadUTF8 = 0;
  // An index loop: `for...of` allocated an iterator result per token here (0.5 MB per 5,000 lines).
  for (let i = 0; i < tokens.length; i++) {
    // Only the rare error tokens need a range (or an object); the common case is a no-op switch.
    if ((packed ? packed.type(i) : list![i].type) < T.BitwiseAnd) continue;
    const tok = packed ? packed.token(i) : list![i];
    const where = src.range(tok.start, tok.end);
    switch (tok.type) {
      case T.BitwiseAnd:
      case T.BitwiseOr:
      case T.BitwiseNot:
      case T.BitwiseXor:
        if (toldBitwise < 4) {
          const suggestion =
            tok.type === T.BitwiseAnd
              ? ' Did you mean boolean AND ("&&")?'
              : tok.type === T.BitwiseOr
                ? ' Did you mean boolean OR ("||")?'
                : tok.type === T.BitwiseNot
                  ? ' Did you mean boolean NOT ("!")?'
                  : '';
          diags.push(
            error('Unsupported operator', `Bitwise operators are not supported.${suggestion}`, where),
          );
          toldBitwise++;
        }
        break;
      case T.Backtick:
        if (toldBacktick % 2 === 0) {
          diags.push(
            error(
              'Invalid character',
              'The "`" character is not valid. To create a multi-line string, use the "heredoc" syntax, like "<<EOT".',
              where,
            ),
          );
        }
        if (toldBacktick <= 2) toldBacktick++;
        break;
      case T.Apostrophe:
        if (toldApostrophe % 2 === 0) {
          diags.push(
            error(
              'Invalid character',
              'Single quotes are not valid. Use double quotes (") to enclose strings.',
              where,
            ),
          );
        }
        if (toldApostrophe <= 2) toldApostrophe++;
        break;
      case T.Semicolon:
        if (toldSemicolon < 1) {
          diags.push(
            error(
              'Invalid character',
              'The ";" character is not valid. Use newlines to separate arguments and blocks, and commas to separate items in collection values.',
              where,
            ),
          );
          toldSemicolon++;
        }
        break;
      case T.BadUTF8:
        if (toldBadUTF8 < 1) {
          diags.push(
            error(
              'Invalid character encoding',
              'All input files must be UTF-8 encoded. Ensure that UTF-8 encoding is selected in your editor.',
              where,
            ),
          );
          toldBadUTF8++;
        }
        break;
      case T.QuotedNewline:
        diags.push(
          error(
            'Invalid multi-line string',
            'Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the "heredoc" multi-line template syntax.',
            where,
          ),
        );
        break;
      case T.Invalid: {
        const chars = src.text.slice(tok.start, tok.end);
        diags.push(
          chars === '\u201c' || chars === '\u201d'
            ? error(
                'Invalid character',
                '"Curly quotes" are not valid here. These can sometimes be inadvertently introduced when sharing code via documents or discussion forums. It might help to replace the character with a "straight quote".',
                where,
              )
            : error('Invalid character', 'This character is not used within the language.', where),
        );
        break;
      }
    }
  }
  return diags;
}
