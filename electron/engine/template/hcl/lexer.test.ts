import { describe, expect, it } from 'vitest';
import { decodeHclBytes, encodeHclText, lexHcl } from './lexer';
import { tokenTypeName } from './tokens';

/** `Kind:text` of each token, as hclsyntax's scanner would produce them. */
function lex(text: string, mode: 'config' | 'template' = 'config'): string[] {
  return lexHcl(text, mode).map((t) => `${tokenTypeName(t.type)}:${text.slice(t.start, t.end)}`);
}

describe('lexHcl', () => {
  it('scans operators by longest match', () => {
    expect(lex('a==b!=c<=d>=e&&f||g=>h...i::j')).toEqual([
      'Ident:a',
      'EqualOp:==',
      'Ident:b',
      'NotEqual:!=',
      'Ident:c',
      'LessThanEq:<=',
      'Ident:d',
      'GreaterThanEq:>=',
      'Ident:e',
      'And:&&',
      'Ident:f',
      'Or:||',
      'Ident:g',
      'FatArrow:=>',
      'Ident:h',
      'Ellipsis:...',
      'Ident:i',
      'DoubleColon:::',
      'Ident:j',
      'EOF:',
    ]);
    expect(lex('a..b')).toEqual(['Ident:a', 'Dot:.', 'Dot:.', 'Ident:b', 'EOF:']);
  });

  it('scans numbers as hclsyntax does, including its odd cases', () => {
    expect(lex('1 1.5 1e5 1.5E-3 1. 1..2 0.1.2 1e')).toEqual([
      'NumberLit:1',
      'NumberLit:1.5',
      'NumberLit:1e5',
      'NumberLit:1.5E-3',
      'NumberLit:1',
      'Dot:.',
      'NumberLit:1..2',
      'NumberLit:0.1.2',
      'NumberLit:1',
      'Ident:e',
      'EOF:',
    ]);
  });

  it('scans identifiers with dashes and Unicode', () => {
    expect(lex('error-cleanup-provisioner é_1 -x')).toEqual([
      'Ident:error-cleanup-provisioner',
      'Ident:é_1',
      'Minus:-',
      'Ident:x',
      'EOF:',
    ]);
  });

  it('keeps line comments with their newline, and falls back on an unterminated /*', () => {
    expect(lex('a # c\r\nb // d\n/* e\nf */ g /* h')).toEqual([
      'Ident:a',
      'Comment:# c\r\n',
      'Ident:b',
      'Comment:// d\n',
      'Comment:/* e\nf */',
      'Ident:g',
      'Slash:/',
      'Star:*',
      'Ident:h',
      'EOF:',
    ]);
  });

  it('scans quoted templates with escapes and nested interpolations', () => {
    expect(lex('"a\\"$${b} ${ "x${y}" }%{~ if z ~}$"')).toEqual([
      'OQuote:"',
      'QuotedLit:a\\"',
      'QuotedLit:$${',
      'QuotedLit:b} ',
      'TemplateInterp:${',
      'OQuote:"',
      'QuotedLit:x',
      'TemplateInterp:${',
      'Ident:y',
      'TemplateSeqEnd:}',
      'CQuote:"',
      'TemplateSeqEnd:}',
      'TemplateControl:%{~',
      'Ident:if',
      'Ident:z',
      'TemplateSeqEnd:~}',
      'QuotedLit:$',
      'CQuote:"',
      'EOF:',
    ]);
    expect(lex('"a\nb"')).toEqual([
      'OQuote:"',
      'QuotedLit:a',
      'QuotedNewline:\n',
      'QuotedLit:b',
      'CQuote:"',
      'EOF:',
    ]);
  });

  it('keeps object braces apart from interpolation ends', () => {
    expect(lex('"${ {a = 1} }"')).toEqual([
      'OQuote:"',
      'TemplateInterp:${',
      'OBrace:{',
      'Ident:a',
      'Equal:=',
      'NumberLit:1',
      'CBrace:}',
      'TemplateSeqEnd:}',
      'CQuote:"',
      'EOF:',
    ]);
  });

  it('scans heredocs: the marker line only closes at a line start', () => {
    expect(lex('x = <<-EOT\n  a ${b}EOT\n  EOT  \r\ny')).toEqual([
      'Ident:x',
      'Equal:=',
      'OHeredoc:<<-EOT\n',
      'StringLit:  a ',
      'TemplateInterp:${',
      'Ident:b',
      'TemplateSeqEnd:}',
      'StringLit:EOT\n',
      'CHeredoc:  EOT  ',
      'Newline:\r\n',
      'Ident:y',
      'EOF:',
    ]);
    expect(lex('<<EOT x')).toEqual(['LessThan:<', 'LessThan:<', 'Ident:EOT', 'Ident:x', 'EOF:']);
  });

  it('scans bare templates line by line', () => {
    expect(lex('a $x\n${y}\r\n%%{z}', 'template')).toEqual([
      'StringLit:a ',
      'StringLit:$',
      'StringLit:x\n',
      'TemplateInterp:${',
      'Ident:y',
      'TemplateSeqEnd:}',
      'StringLit:\r\n',
      'StringLit:%%{',
      'StringLit:z}',
      'EOF:',
    ]);
  });

  it('strips a byte order mark and marks characters the language does not use', () => {
    expect(lex('\ufeffa = $')).toEqual(['Ident:a', 'Equal:=', 'Invalid:$', 'EOF:']);
    expect(lex("'`;&|^~\r")).toEqual([
      "Apostrophe:'",
      'Backtick:`',
      'Semicolon:;',
      'BitwiseAnd:&',
      'BitwiseOr:|',
      'BitwiseXor:^',
      'BitwiseNot:~',
      'Invalid:\r',
      'EOF:',
    ]);
  });

  it('keeps bytes that are not UTF-8 as lone surrogates: fine in comments, BadUTF8 elsewhere', () => {
    const bytes = Buffer.from('\ufeffa = "\u00e9" # caf', 'utf8');
    const raw = Buffer.concat([bytes, Buffer.from([0xe9, 0x0a, 0x62, 0x20, 0x3d, 0x20, 0xff, 0xe2, 0x82])]);
    const text = decodeHclBytes(raw);
    expect(Buffer.from(encodeHclText(text)).equals(raw)).toBe(true);
    expect(text.startsWith('\ufeff')).toBe(true);
    expect(lex(text).slice(-7)).toEqual([
      'Comment:# caf\udce9\n',
      'Ident:b',
      'Equal:=',
      'BadUTF8:\udcff',
      'BadUTF8:\udce2',
      'BadUTF8:\udc82',
      'EOF:',
    ]);
    expect(lex('"a\udce9b"')).toEqual([
      'OQuote:"',
      'QuotedLit:a',
      'BadUTF8:\udce9',
      'QuotedLit:b',
      'CQuote:"',
      'EOF:',
    ]);
    expect(decodeHclBytes(Buffer.from('plain \u{1F600}'))).toBe('plain \u{1F600}');
  });
});
