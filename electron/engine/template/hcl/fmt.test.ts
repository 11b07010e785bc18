import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatHcl } from './fmt';
import { lexHcl } from './lexer';
import { T, type TokenType } from './tokens';

const repoRoot = path.resolve(__dirname, '../../../..');
const corpus =
  [path.resolve(repoRoot, '../shared/corpus'), path.resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(repoRoot, '../shared/corpus');
const PACKER = '/usr/bin/packer';
const havePacker = existsSync(PACKER);

function hclFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...hclFiles(full));
    else if (name.endsWith('.pkr.hcl') || name.endsWith('.pkrvars.hcl')) out.push(full);
  }
  return out;
}

const corpusFiles = existsSync(corpus) ? hclFiles(corpus) : [];

function fmt(text: string): string {
  const result = formatHcl(text, 't.pkr.hcl');
  expect(result.diagnostics).toEqual([]);
  return result.text;
}

/** Badly formatted inputs covering every rule of the layout. */
const HANDWRITTEN: string[] = [
  'a=1\nbb = "x"\n',
  'variable "x" {\ntype=string\n  default="x"\n    description = "long"\n}\n',
  'build {\n  provisioner "shell" {\n    inline=[ "echo hi" ]\n  }\n}\n',
  'source "qemu" "x" {\n  boot_command = ["<esc>",\n"<enter>"]\n}\n',
  'a {\n      b {\n  c = 1\n            }\n  }\n',
  'a = 1 # one\nbbb = 2 // two\n# alone\ncc = 3    # three\n',
  'a = 1 /* inline */ + 2\n/* block\n   comment */\nb = 3\n',
  'x = {\n  a = 1\n  bbbb = { c = 2 }\n  d = [1,2 , 3]\n}\n',
  'x = {a=1, b=2}\ny = {}\nz = { }\nw = [ ]\n',
  'nested = [ [1,2], [ 3, [4] ], {a = [5]} ]\n',
  'h = <<EOT\n  keep   this   ${ x }\n    and this\nEOT\nafter=1\n',
  'h = <<-EOT\n    indented\n      more\n    EOT\ny     = 2\n',
  'list = [\n  <<EOT\nfoo\nEOT\n  ,\n  "bar"\n]\n',
  'f = concat( ["a"],\n  ["b"] ,\n[ "c" ]\n   )\n',
  'g = join(",",[for s in var.list:upper(s) if s!=""])\n',
  'o = {for k,v in var.map:k=>v...}\n',
  'n = -1\nm = 1 - -1\nk = a-1\nj = [-1, - 2]\ni = (-x)\nh = x ? -1 : -2\n',
  'neg = var.a*-1\nneg2 = var.b == -1\nneg3 = f(-1)\n',
  't = "${ var.x }-${var.y}"\nu = "%{ if var.z }yes%{ else }no%{ endif }"\n',
  's = "${ {a = 1} }"\nr = "${var.a[0]}"\n',
  'a = 1\n\n\n\nb = 2\n',
  'a = 1\r\nbb = 2 # x\r\nc {\r\n d = 3\r\n}\r\n',
  'a = 1   \nb = 2\t\n  \n\t\n',
  'a\t=\t1\n\tb\t{\n\t\tc\t=\t2\n\t}\n',
  'a = x.y[0].z\nb = x[*].y\nc = x.*.y\nd = x [ 0 ] . y\n',
  'a = f(x...)\nb = f( x ... )\n',
  'a = (1 + 2) * 3 / 4 % 5\nb = 1<2 && 3>=4 || 5!=6\n',
  'a = x? y : z\nb = x ?y:z\n',
  'block "one" "two" {}\nblock "three" { a = 1 }\nblock {\n}\n',
  'a = [\n  1,\n  2,\n]\nb = [\n  1,\n  2\n  ]\n',
  'a = {\n  "quoted key" = 1\n  b: 2\n  (c) = 3\n}\n',
  'locals {\n  short = 1\n  much_longer_name = 2\n\n  after_blank = 3\n  x = {\n    y = 1\n  }\n  z = 4\n}\n',
  'a = 1 # c1\nbb = { x = 1 } # c2\nccc = "s" # c3\n',
  'x = [\n  "a", # first\n  "bb",   # second\n]\n',
  'a = "é" # accented\nbbbb = "x" # plain\n"é" = 1\n',
  'a = 1\n',
  '',
  '\n\n',
  '# only a comment',
  'a = 1',
  'a = 1 # trailing comment without newline',
  'a = 1\n   ',
  'x = "$${not} %%{this}"\ny = "a\\"b"\n',
  'a = 1e5\nb = 1.5E-3\nc = 0.25\n',
  'aaa = [\n  for x in y : x\n]\nb = 1\n',
  'a = "${\n  foo(\n    1,\n    2)\n}"\n',
  'x = {\n  a = <<EOT\nhello\nEOT\n  bb = 1\n}\n',
  'a = [ 1 ][ 0 ]\nb = f( ) [ 0 ]\n',
  'a { b = "${c}" }\n',
  '\ufeffa=1\n',
  '\ufeff',
  '   ',
  '\ufeff   \n',
  'a = [\n  1, # c\n  /* d */ 2\n]\n',
  'b {\n  c = 1 # x\n} # y\n',
  'a = { # c\n  b = 1\n}\n',
  'a = f(<<EOT\nx\nEOT\n)\n',
  'a = "${x}" # c\nb = <<EOT\nEOT\n',
  'x = [\n[\n1,\n],\n[\n2]]\n',
  'a = (\n1\n+\n2)\n',
  'a = "${ {\nb = 1\n} }"\n',
  'a = <<EOT\n${x}\n  %{ if y }z%{ endif }\nEOT\n',
  '# comment with trailing blanks   \n#\ttab\na = 1 #   spaced   \n',
  'a {\n  b = [\n    1,\n    2]\n  c = 3\n}\n',
  'z = [for x in [1, 2]: x]\n',
  'y = {for k, v in {a = 1}: k => v}\n',
  // Syntax errors: packer refuses these, so must Kiln.
  'a = <<EOT\nx\nEOT',
  'a = [\n',
  'a =\n',
  'a { b = 1\n',
  '"a" = 1\n',
  'a = "x\n',
  'a = 1 2\n',
  'a = {x 1}\n',
  'a = x.\n',
  'a = f(1 2)\n',
  "a = 'x'\n",
  'a = 1;\n',
  'a = b & c\n',
  'a {\n  b = 1\n  b = 2\n}\n',
  'a = "${x"\n',
  'a = "%{ if x }"\n',
  '}\n',
];

describe('formatHcl', () => {
  it('aligns the = of consecutive single-line arguments and normalises spacing', () => {
    expect(fmt('variable "x" {\ntype=string\n  default="x"\n    description = "long"\n}\n')).toBe(
      'variable "x" {\n  type        = string\n  default     = "x"\n  description = "long"\n}\n',
    );
    expect(fmt('inline=[ "echo hi" ]\n')).toBe('inline = ["echo hi"]\n');
  });

  it('re-indents continuation lines by bracket depth', () => {
    expect(fmt('x {\n  boot_command = ["<esc>",\n"<enter>"]\n}\n')).toBe(
      'x {\n  boot_command = ["<esc>",\n  "<enter>"]\n}\n',
    );
  });

  it('ends an alignment group at a blank line, a block header or a multi-line value', () => {
    expect(fmt('a = 1\nbbb = 2\n\ncc = 3\nd = {\n  e = 1\n}\nffff = 4\n')).toBe(
      'a   = 1\nbbb = 2\n\ncc = 3\nd = {\n  e = 1\n}\nffff = 4\n',
    );
  });

  it('aligns trailing comments and keeps comment text', () => {
    expect(fmt('a = 1 # one\nbbb = 2 // two\n')).toBe('a   = 1 # one\nbbb = 2 // two\n');
  });

  it('leaves heredocs, strings, blank lines and CRLF line ends alone', () => {
    const heredoc = 'h = <<EOT\n  keep   this  \nEOT\n\n\n\nx   =    "a  b"\n';
    expect(fmt(heredoc)).toBe('h = <<EOT\n  keep   this  \nEOT\n\n\n\nx = "a  b"\n');
    expect(fmt('a=1\r\nbb = 2\r\n')).toBe('a  = 1\r\nbb = 2\r\n');
  });

  it('keeps namespaced function names together (hcl v2.21; 1.6.6 cannot parse them)', () => {
    expect(fmt('v = provider :: ns :: fn( 1 )\n')).toBe('v = provider::ns::fn(1)\n');
  });

  it('puts no space after a boolean NOT, as packer since hcl v2.8.0 (1.6.6 wrote "! x")', () => {
    expect(fmt('a = ! b\nc = !d\n')).toBe('a = !b\nc = !d\n');
  });

  it('tells unary from binary minus', () => {
    expect(fmt('n = - 1\nm = 1 -  -1\nk = a-1\nj = [- 1, - 2]\n')).toBe(
      'n = -1\nm = 1 - -1\nk = a-1\nj = [-1, -2]\n',
    );
  });

  it('does not format a file with syntax errors', () => {
    const result = formatHcl('a=1\nb = [\n', 'bad.pkr.hcl');
    expect(result.text).toBe('a=1\nb = [\n');
    expect(result.diagnostics[0]).toMatchObject({
      severity: 'error',
      summary: 'Missing expression',
      range: { file: 'bad.pkr.hcl', start: { line: 3, column: 1 } },
    });
  });

  it.skipIf(corpusFiles.length === 0)('is idempotent on the corpus', () => {
    for (const f of corpusFiles) {
      const once = fmt(readFileSync(f, 'utf8'));
      expect(fmt(once)).toBe(once);
    }
  });
});

/** mulberry32. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEMPLATE_SIDE_BEFORE = new Set<TokenType>([
  T.OQuote,
  T.OHeredoc,
  T.QuotedLit,
  T.StringLit,
  T.TemplateSeqEnd,
  T.CHeredoc,
]);
const TEMPLATE_SIDE_AFTER = new Set<TokenType>([
  T.CQuote,
  T.CHeredoc,
  T.QuotedLit,
  T.StringLit,
  T.TemplateInterp,
  T.TemplateControl,
]);

/**
 * "Unformats" a file: changes the whitespace between tokens at random (none, several spaces, tabs,
 * trailing blanks, re-indented lines, now and then a line break), never inside strings or heredocs.
 */
function unformat(text: string, next: () => number): string {
  const toks = lexHcl(text);
  const pick = (n: number) => Math.floor(next() * n);
  const spaces = () => [' ', '  ', '   ', '\t', ' \t ', '    '][pick(6)];
  // A fifth of the cases also get line breaks, which often break the syntax (then both must refuse).
  const breakLines = next() < 0.2;
  let out = '';
  let prevEnd = 0;
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    const gap = text.slice(prevEnd, tok.start);
    const prev = i > 0 ? toks[i - 1].type : undefined;
    const free =
      (prev === undefined || !TEMPLATE_SIDE_BEFORE.has(prev)) && !TEMPLATE_SIDE_AFTER.has(tok.type);
    let newGap = gap;
    if (free && next() < 0.35) {
      const r = pick(10);
      if (r < 3) newGap = '';
      else if (r < 8) newGap = spaces();
      else if (r < 9 && prev !== undefined && prev !== T.Newline)
        newGap = spaces() + (breakLines ? '\n' : '');
      else newGap = gap + spaces();
    }
    out += newGap + text.slice(tok.start, tok.end);
    prevEnd = tok.end;
  }
  return next() < 0.15 ? out.replace(/\r?\n/g, '\r\n') : out;
}

interface Verdict {
  text: string;
  error: boolean;
}

/** Runs `packer fmt` once over a folder holding every case; returns its output and error per case. */
function packerFormatAll(inputs: string[]): Verdict[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-fmt-'));
  try {
    const names = inputs.map((_, i) => `case-${String(i).padStart(4, '0')}.pkr.hcl`);
    inputs.forEach((text, i) => writeFileSync(path.join(dir, names[i]), text));
    let output = '';
    try {
      output = execFileSync(PACKER, ['fmt', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
    }
    return names.map((name) => ({
      text: readFileSync(path.join(dir, name), 'utf8'),
      error: output.includes(`formatting ${path.join(dir, name)}\n`),
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function compareWithPacker(inputs: string[]): { same: number; errors: number; changed: number } {
  const theirs = packerFormatAll(inputs);
  let same = 0;
  let errors = 0;
  let changed = 0;
  inputs.forEach((input, i) => {
    const mine = formatHcl(input, `case-${i}.pkr.hcl`);
    const mineError = mine.diagnostics.some((d) => d.severity === 'error');
    if (mineError) errors++;
    const diagnosis = mineError ? mine.diagnostics.map((d) => d.summary).join(', ') : '';
    expect({ input, error: mineError, diagnosis }).toEqual({ input, error: theirs[i].error, diagnosis });
    expect({ input, output: mine.text }).toEqual({ input, output: theirs[i].text });
    same++;
    if (mine.text !== input) changed++;
  });
  return { same, errors, changed };
}

function hasBang(text: string): boolean {
  return lexHcl(text).some((t) => t.type === T.Bang);
}

describe.skipIf(!havePacker)('formatHcl side by side with packer 1.6.6 fmt', () => {
  it.skipIf(corpusFiles.length === 0)('matches packer byte for byte on every corpus file', () => {
    const inputs = corpusFiles.map((f) => readFileSync(f, 'utf8'));
    expect(compareWithPacker(inputs).same).toBe(corpusFiles.length);
  });

  it('matches packer on hand-written badly formatted inputs', () => {
    expect(HANDWRITTEN.some(hasBang)).toBe(false);
    expect(compareWithPacker(HANDWRITTEN).same).toBe(HANDWRITTEN.length);
  });

  it.skipIf(corpusFiles.length === 0)(
    'matches packer on "unformatted" corpus files (seeded random whitespace between tokens)',
    () => {
      const next = rng(0x666d74);
      const inputs: string[] = [];
      for (const f of corpusFiles) {
        const text = readFileSync(f, 'utf8');
        for (let i = 0; i < 12; i++) inputs.push(unformat(text, next));
      }
      for (const text of HANDWRITTEN) for (let i = 0; i < 4; i++) inputs.push(unformat(text, next));
      const { same, errors, changed } = compareWithPacker(inputs.filter((t) => !hasBang(t)));
      expect(same).toBeGreaterThan(300);
      expect(changed).toBeGreaterThan((same - errors) * 0.9);
      // Random line breaks break some files: both must then refuse them alike.
      expect(errors).toBeGreaterThan(0);
    },
    120_000,
  );
});

if (!havePacker) {
  describe('formatHcl side by side with packer 1.6.6 fmt', () => {
    it.skip(`${PACKER} not found: side-by-side comparison skipped`, () => {});
  });
}
