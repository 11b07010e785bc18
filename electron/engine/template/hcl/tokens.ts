/**
 * Token kinds of the HCL native syntax, one for one with hclsyntax's scanner, because `kiln fmt`
 * re-spaces the token stream exactly as hclwrite does and its rules are stated in these kinds.
 */
export const T = {
  OBrace: 1,
  CBrace: 2,
  OBrack: 3,
  CBrack: 4,
  OParen: 5,
  CParen: 6,
  OQuote: 7,
  CQuote: 8,
  OHeredoc: 9,
  CHeredoc: 10,

  Star: 11,
  Slash: 12,
  Plus: 13,
  Minus: 14,
  Percent: 15,

  Equal: 16,
  EqualOp: 17,
  NotEqual: 18,
  LessThan: 19,
  LessThanEq: 20,
  GreaterThan: 21,
  GreaterThanEq: 22,

  And: 23,
  Or: 24,
  Bang: 25,

  Dot: 26,
  Comma: 27,
  DoubleColon: 28,
  Ellipsis: 29,
  FatArrow: 30,
  Question: 31,
  Colon: 32,

  TemplateInterp: 33,
  TemplateControl: 34,
  TemplateSeqEnd: 35,

  /** Literal text of a quoted string: may hold backslash escapes. */
  QuotedLit: 36,
  /** Literal text of a heredoc or bare template: no backslash escapes. */
  StringLit: 37,
  NumberLit: 38,
  Ident: 39,

  Comment: 40,
  Newline: 41,
  EOF: 42,

  // Characters the scanner recognises only to report them well.
  BitwiseAnd: 43,
  BitwiseOr: 44,
  BitwiseNot: 45,
  BitwiseXor: 46,
  Apostrophe: 47,
  Backtick: 48,
  Semicolon: 49,
  Invalid: 50,
  QuotedNewline: 51,
  /**
   * Bytes that are not UTF-8. Text holds each such byte b as the lone surrogate U+DC00+b (see
   * `decodeHclBytes`), as hclsyntax keeps them: allowed in comments, an error anywhere else.
   */
  BadUTF8: 52,
} as const;

export type TokenType = (typeof T)[keyof typeof T];

/** One token: its kind and the UTF-16 offsets of its text (end exclusive). */
export interface Token {
  type: TokenType;
  start: number;
  end: number;
}

const names: Record<number, string> = {};
for (const [name, value] of Object.entries(T)) names[value] = name;

/** The token kind's name, for tests and debugging. */
export function tokenTypeName(type: TokenType): string {
  return names[type];
}

/** +1 for an opening bracket (including `${` and `%{`), -1 for a closing one, else 0. */
export function bracketChange(type: TokenType): number {
  switch (type) {
    case T.OBrace:
    case T.OBrack:
    case T.OParen:
    case T.TemplateControl:
    case T.TemplateInterp:
      return 1;
    case T.CBrace:
    case T.CBrack:
    case T.CParen:
    case T.TemplateSeqEnd:
      return -1;
    default:
      return 0;
  }
}

/**
 * Tokens packed three numbers each (kind, start, end) in one typed array: the parser's own stream.
 * A 5,000-line file scans to ~15,000 tokens; as objects they were a third of what a parse allocated
 * and lived through the parse, so every young-generation collection during it copied them. `Token`
 * objects are made only for the tokens the parser actually reads, and die young.
 */
export class TokenBuffer {
  private data: Int32Array;
  private n = 0;

  constructor(expected = 64) {
    this.data = new Int32Array(Math.max(16, expected) * 3);
  }

  static from(tokens: readonly Token[]): TokenBuffer {
    const buffer = new TokenBuffer(tokens.length);
    for (const tok of tokens) buffer.push(tok.type, tok.start, tok.end);
    return buffer;
  }

  get length(): number {
    return this.n;
  }

  push(type: TokenType, start: number, end: number): void {
    let at = this.n * 3;
    if (at + 3 > this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    const data = this.data;
    data[at++] = type;
    data[at++] = start;
    data[at] = end;
    this.n++;
  }

  type(i: number): TokenType {
    return this.data[i * 3] as TokenType;
  }

  start(i: number): number {
    return this.data[i * 3 + 1];
  }

  end(i: number): number {
    return this.data[i * 3 + 2];
  }

  /** Token `i` as an object (a new one each call). */
  token(i: number): Token {
    const at = i * 3;
    return { type: this.data[at] as TokenType, start: this.data[at + 1], end: this.data[at + 2] };
  }

  toArray(): Token[] {
    const out = new Array<Token>(this.n);
    for (let i = 0; i < this.n; i++) out[i] = this.token(i);
    return out;
  }
}
