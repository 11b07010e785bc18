import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Attribute, Block, Expression, TemplatePart } from './ast';
import { parseHclExpression, parseHclFile, parseHclTemplate } from './parser';

const repoRoot = path.resolve(__dirname, '../../../..');
// Beside the repository (../shared) or, from a helper's worktree, one level further up.
const corpus =
  [path.resolve(repoRoot, '../shared/corpus'), path.resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(repoRoot, '../shared/corpus');

function hclFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...hclFiles(full));
    else if (name.endsWith('.pkr.hcl') || name.endsWith('.pkrvars.hcl')) out.push(full);
  }
  return out;
}

function expr(text: string): Expression {
  const { expr, diagnostics } = parseHclExpression(text, 'e.hcl');
  expect(diagnostics).toEqual([]);
  return expr;
}

function file(text: string) {
  const result = parseHclFile('t.pkr.hcl', text);
  expect(result.diagnostics.map((d) => `${d.summary}: ${d.detail}`)).toEqual([]);
  return result.file;
}

/** `summary@line:col` of every diagnostic. */
function errors(text: string): string[] {
  return parseHclFile('t.pkr.hcl', text).diagnostics.map(
    (d) => `${d.summary}@${d.range?.start.line}:${d.range?.start.column}`,
  );
}

function literalText(parts: TemplatePart[]): string {
  return parts.map((p) => (p.kind === 'Literal' ? p.value : `<${p.kind}>`)).join('');
}

describe('parseHclFile on the corpus', () => {
  const files = existsSync(corpus) ? hclFiles(corpus) : [];
  it.skipIf(files.length === 0)('parses every corpus .pkr.hcl/.pkrvars.hcl without diagnostics', () => {
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const result = parseHclFile(f, readFileSync(f, 'utf8'));
      expect({ f, diags: result.diagnostics }).toEqual({ f, diags: [] });
      expect(result.file.body.items.length).toBeGreaterThan(0);
    }
  });
  if (files.length === 0) it.skip(`corpus not found at ${corpus}: corpus tests skipped`, () => {});
});

describe('structure', () => {
  it('reads attributes and blocks in source order with labels and ranges', () => {
    const f = file('a = 1\nsource "qemu" example {\n  b = "x"\n}\n');
    const [a, src] = f.body.items as [Attribute, Block];
    expect(a.kind).toBe('Attribute');
    expect(a.name).toBe('a');
    expect(a.nameRange.start).toEqual({ line: 1, column: 1, offset: 0 });
    expect(a.range.end).toEqual({ line: 1, column: 6, offset: 5 });
    expect(src.type).toBe('source');
    expect(src.labels.map((l) => [l.value, l.quoted])).toEqual([
      ['qemu', true],
      ['example', false],
    ]);
    expect(src.labels[0].range.start.column).toBe(8);
    expect(src.labels[0].range.end.column).toBe(14);
    expect(src.openBraceRange.start).toEqual({ line: 2, column: 23, offset: 28 });
    expect(src.closeBraceRange.start).toEqual({ line: 4, column: 1, offset: 40 });
    expect(src.range.end.offset).toBe(41);
    expect(src.body.attributes.map((x) => x.name)).toEqual(['b']);
    expect(f.body.attributes).toHaveLength(1);
    expect(f.body.blocks).toHaveLength(1);
    expect(f.body.range.end.offset).toBe(42);
  });

  it('reads one-line blocks, empty blocks and comments of every style', () => {
    const f = file('# top\n// also\n/* block\ncomment */\nb { c = 1 }\nd {}\ne "x" {\n}\n');
    const [b, d, e] = f.body.blocks;
    expect(b.body.attributes[0].name).toBe('c');
    expect(d.body.items).toEqual([]);
    expect(e.labels[0].value).toBe('x');
  });

  it('accepts CRLF line ends, a BOM, tabs and no final newline', () => {
    const f = file('\ufeffa\t=\t1\r\nb {\r\n  c = 2\r\n}');
    expect(f.body.items.map((i) => i.kind)).toEqual(['Attribute', 'Block']);
  });

  it('reports a duplicate argument like hclsyntax', () => {
    const result = parseHclFile('t.pkr.hcl', 'a = 1\nb {\n  x = 1\n  x = 2\n}\na = 3\n');
    expect(result.diagnostics.map((d) => [d.summary, d.detail, d.range?.start.line])).toEqual([
      [
        'Attribute redefined',
        'The argument "x" was already set at t.pkr.hcl:3,3-4. Each argument may be set only once.',
        4,
      ],
      [
        'Attribute redefined',
        'The argument "a" was already set at t.pkr.hcl:1,1-2. Each argument may be set only once.',
        6,
      ],
    ]);
    // The first definition is the one kept.
    expect(result.file.body.attributes.map((a) => (a.expr as { value: unknown }).value)).toEqual([1]);
  });
});

describe('expressions', () => {
  it('reads literals', () => {
    expect(expr('true')).toMatchObject({ kind: 'Literal', value: true });
    expect(expr('false')).toMatchObject({ kind: 'Literal', value: false });
    expect(expr('null')).toMatchObject({ kind: 'Literal', value: null });
    expect(expr('1.5e3')).toMatchObject({ kind: 'Literal', value: 1500, raw: '1.5e3' });
    expect(expr('12345678901234567890')).toMatchObject({ raw: '12345678901234567890' });
  });

  it('decodes string escapes', () => {
    const e = expr('"a\\nb\\tc\\"d\\\\e\\u00e9\\U0001F600$${x}%%{y}$$"');
    expect(e.kind).toBe('Template');
    if (e.kind === 'Template') expect(literalText(e.parts)).toBe('a\nb\tc"d\\e\u00e9\u{1F600}${x}%{y}$$');
  });

  it('wraps a lone interpolation', () => {
    expect(expr('"${x}"')).toMatchObject({
      kind: 'TemplateWrap',
      wrapped: { kind: 'ScopeTraversal', root: 'x' },
    });
    expect(expr('"${x} "').kind).toBe('Template');
    expect(expr('""')).toMatchObject({ kind: 'Template', parts: [{ kind: 'Literal', value: '' }] });
  });

  it('applies strip markers and nests directives', () => {
    const e = expr('"a  ${~ x ~}  b %{ if c ~} yes %{~ else }no%{ endif }%{ for k, v in m }${k}%{ endfor }"');
    if (e.kind !== 'Template') throw new Error(e.kind);
    expect(e.parts.map((p) => p.kind)).toEqual(['Literal', 'Interpolation', 'Literal', 'If', 'For']);
    expect(e.parts[0]).toMatchObject({ value: 'a' });
    expect(e.parts[1]).toMatchObject({ stripLeft: true, stripRight: true });
    expect(e.parts[2]).toMatchObject({ value: 'b ' });
    expect(e.parts[3]).toMatchObject({
      kind: 'If',
      then: [{ kind: 'Literal', value: 'yes' }],
      else: [{ kind: 'Literal', value: 'no' }],
    });
    expect(e.parts[4]).toMatchObject({
      kind: 'For',
      keyVar: 'k',
      valueVar: 'v',
      body: [{ kind: 'Interpolation' }],
    });
  });

  it('strips only the literal token next to a ~ marker, as hclsyntax does', () => {
    // packer 1.6.6 console: jsonencode([local.a, local.b]) gave ["foo\nx\n","foo $y"].
    const a = expr('<<EOT\nfoo\n  ${~"x"}\nEOT\n');
    if (a.kind === 'Template') expect(literalText(a.parts)).toBe('foo\n<Interpolation>\n');
    const b = expr('"foo $ ${~"y"}"');
    if (b.kind === 'Template') expect(literalText(b.parts)).toBe('foo $<Interpolation>');
  });

  it('reads heredocs, removing the common indentation of <<- ones', () => {
    const plain = expr('<<EOT\n  a\n    ${b}\nEOT\n');
    expect(plain).toMatchObject({ kind: 'Template', heredoc: { marker: 'EOT', indented: false } });
    if (plain.kind === 'Template') expect(literalText(plain.parts)).toBe('  a\n    <Interpolation>\n');
    const flush = expr('<<-EOT\n    a\n\n      b $${x}\n    EOT\n');
    if (flush.kind === 'Template') expect(literalText(flush.parts)).toBe('a\n\n  b ${x}\n');
    // A line starting with an interpolation counts as unindented.
    const interp = expr('<<-EOT\n    a\n${b}\n    EOT\n');
    if (interp.kind === 'Template') expect(literalText(interp.parts)).toBe('    a\n<Interpolation>\n');
  });

  it('follows hclsyntax precedence and associativity', () => {
    const e = expr('a || b && c == d > e + f * -g');
    expect(e).toMatchObject({
      op: '||',
      right: {
        op: '&&',
        right: {
          op: '==',
          right: { op: '>', right: { op: '+', right: { op: '*', right: { kind: 'UnaryOp', op: '-' } } } },
        },
      },
    });
    expect(expr('1 - 2 - 3')).toMatchObject({ op: '-', left: { op: '-' }, right: { value: 3 } });
    expect(expr('-1 + 2')).toMatchObject({ op: '+', left: { kind: 'UnaryOp' } });
    expect(expr('!a.b')).toMatchObject({
      kind: 'UnaryOp',
      op: '!',
      operand: { kind: 'ScopeTraversal', root: 'a' },
    });
    expect(expr('a ? b : c ? d : e')).toMatchObject({
      kind: 'Conditional',
      falseResult: { kind: 'Conditional' },
    });
    expect(expr('(1 + 2) * 3')).toMatchObject({ op: '*', left: { kind: 'Parentheses', inner: { op: '+' } } });
  });

  it('reads function calls, with expansion and namespaces', () => {
    expect(expr('f(a, b...)')).toMatchObject({ kind: 'FunctionCall', name: 'f', expandFinal: true });
    expect(expr('f(\n  1,\n  2,\n)')).toMatchObject({ args: [{ value: 1 }, { value: 2 }] });
    expect(expr('provider::ns::fn()')).toMatchObject({ name: 'provider::ns::fn', args: [] });
  });

  it('reads tuples and objects', () => {
    expect(expr('[1, "a",\n true,]')).toMatchObject({
      kind: 'Tuple',
      items: [{ value: 1 }, {}, { value: true }],
    });
    const o = expr('{\n  a = 1\n  "b": 2, (c) = 3\n  d = { e = [] }\n}');
    expect(o).toMatchObject({
      kind: 'Object',
      items: [
        { key: { kind: 'ScopeTraversal', root: 'a' }, keyIsExpression: false },
        { key: { kind: 'Template' }, keyIsExpression: false },
        { key: { kind: 'Parentheses' }, keyIsExpression: true },
        { value: { kind: 'Object' } },
      ],
    });
  });

  it('reads traversals, indexes and splats', () => {
    expect(expr('var.a.b[0]["k"].0')).toMatchObject({
      kind: 'ScopeTraversal',
      root: 'var',
      steps: [
        { kind: 'Attr', name: 'a' },
        { kind: 'Attr', name: 'b' },
        { kind: 'Index', key: 0 },
        { kind: 'Index', key: 'k' },
        { kind: 'Index', key: 0 },
      ],
    });
    expect(expr('a[b].c')).toMatchObject({
      kind: 'RelativeTraversal',
      source: { kind: 'Index', key: { root: 'b' } },
      steps: [{ name: 'c' }],
    });
    expect(expr('f()[0]')).toMatchObject({ kind: 'RelativeTraversal', source: { kind: 'FunctionCall' } });
    expect(expr('a[*].b[0]')).toMatchObject({
      kind: 'Splat',
      full: true,
      each: { kind: 'RelativeTraversal', source: { kind: 'AnonSymbol' }, steps: [{ name: 'b' }, { key: 0 }] },
    });
    expect(expr('a.*.b[0]')).toMatchObject({
      kind: 'RelativeTraversal',
      source: { kind: 'Splat', full: false, each: { steps: [{ name: 'b' }] } },
    });
    expect(expr('a[*]')).toMatchObject({ kind: 'Splat', each: { kind: 'AnonSymbol' } });
  });

  it('reads for expressions', () => {
    expect(expr('[for x in xs : x if x != ""]')).toMatchObject({
      kind: 'For',
      valueVar: 'x',
      object: false,
      condition: { op: '!=' },
    });
    expect(expr('{\n  for k, v in m :\n  k => v...\n}')).toMatchObject({
      kind: 'For',
      keyVar: 'k',
      valueVar: 'v',
      keyExpr: { root: 'k' },
      group: true,
      object: true,
    });
  });

  it('gives every node an accurate range', () => {
    const e = expr('foo(bar.baz, "x${y}")');
    expect(e.range.start.column).toBe(1);
    expect(e.range.end.column).toBe(22);
    if (e.kind !== 'FunctionCall') throw new Error(e.kind);
    expect(e.args[0].range.start.column).toBe(5);
    expect(e.args[0].range.end.column).toBe(12);
    expect(e.args[1].range.start.column).toBe(14);
    expect(e.args[1].range.end.column).toBe(21);
  });
});

describe('parseHclExpression and parseHclTemplate', () => {
  it('rejects extra characters after an expression', () => {
    const { diagnostics } = parseHclExpression('a b', 'cli');
    expect(diagnostics.map((d) => [d.summary, d.range?.start.column])).toEqual([
      ['Extra characters after expression', 3],
    ]);
  });

  it('allows newlines inside an expression', () => {
    expect(parseHclExpression('[\n"a",\n"b"\n]', 'cli').diagnostics).toEqual([]);
  });

  it('parses a bare template with directives', () => {
    const { expr, diagnostics } = parseHclTemplate(
      'Hello ${name}!\n%{ for x in xs ~}\n- ${x}\n%{ endfor ~}\n$',
      'tpl',
    );
    expect(diagnostics).toEqual([]);
    expect(expr).toMatchObject({
      kind: 'Template',
      parts: [{ value: 'Hello ' }, {}, { value: '!\n' }, { kind: 'For' }, {}],
    });
    expect(expr.kind === 'Template' && expr.parts[4]).toMatchObject({ kind: 'Literal', value: '$' });
    expect(parseHclTemplate('${x}', 'tpl').expr.kind).toBe('TemplateWrap');
    expect(parseHclTemplate('', 'tpl').expr).toMatchObject({ kind: 'Template', parts: [{ value: '' }] });
  });
});

describe('errors, with hclsyntax wording and places', () => {
  it.each([
    ['a = \n', 'Invalid expression@1:5'],
    ['a = 1 2\n', 'Missing newline after argument@1:7'],
    ['a = 1,\n', 'Unexpected comma after argument@1:6'],
    ['"a" = 1\n', 'Invalid argument name@1:1'],
    ['a { b = 1, c = 2 }\n', 'Invalid single-argument block definition@1:10'],
    ['}\n', 'Argument or block definition required@1:1'],
    ['a {\n', 'Unclosed configuration block@1:3'],
    ['a = [1, 2\n', 'Unterminated tuple constructor expression@1:5'],
    ['a = {x = 1 y = 2}\n', 'Missing attribute separator@1:12'],
    ['a = {x 1}\n', 'Missing key/value separator@1:8'],
    ['a = f(1 2)\n', 'Missing argument separator@1:9'],
    ['a = f(a...,b)\n', 'Missing closing parenthesis@1:8'],
    ['a = x.\n', 'Invalid attribute name@1:7'],
    ['a = x.*.*\n', 'Nested splat expression not allowed@1:9'],
    ['a = x[1\n', 'Missing close bracket on index@2:1'],
    ['a = (1 + 2\n', 'Unbalanced parentheses@2:1'],
    ['a = 1 ? 2\n', 'Missing false expression in conditional@1:10'],
    ['a = [for x in y x]\n', "Invalid 'for' expression@1:17"],
    ['a = {for x in y: x}\n', "Invalid 'for' expression@1:18"],
    ['a = "${x y}"\n', 'Extra characters after interpolation expression@1:10'],
    ['a = "%{ if x }"\n', 'Unexpected end of template@1:15'],
    ['a = "%{ endif }"\n', 'Unexpected endif directive@1:6'],
    ['a = "\\q"\n', 'Invalid escape sequence@1:6'],
    ['a = "\\u12"\n', 'Invalid escape sequence@1:6'],
    ['a = x.0.1\n', 'Invalid legacy index syntax@1:7'],
    ['a = 1..2\n', 'Invalid number literal@1:5'],
    ['a b = 1\n', 'Invalid block definition@1:5'],
    ['a {} b {}\n', 'Missing newline after block definition@1:6'],
    ['a { b {} }\n', 'Argument definition required@1:5'],
    ['a = <<EOT\nx\n', 'Unterminated template string@3:1'],
    ['a "${x}" {}\n', 'Invalid string literal@1:4'],
  ])('%j → %s', (text, first) => {
    expect(errors(text)[0]).toBe(first);
  });

  it('reports lexical errors first, then the parse error', () => {
    expect(errors('a = "foo\nbar"\n')).toEqual([
      'Invalid multi-line string@1:9',
      'Unterminated template string@1:9',
    ]);
    expect(errors("a = 'x'\n")).toEqual(['Invalid character@1:5', 'Invalid expression@1:5']);
    expect(errors('a = 1 & 2\n')[0]).toBe('Unsupported operator@1:7');
    expect(errors('a = \u201cx\u201d\n')[0]).toBe('Invalid character@1:5');
  });

  it('suggests a template keyword', () => {
    const d = parseHclFile('t', 'a = "%{ iff x }%{ endif }"\n').diagnostics[0];
    expect(d.detail).toBe('"iff" is not a valid template control keyword. Did you mean "if"?');
  });

  it('reports the errors of every broken line, and keeps the good items', () => {
    const result = parseHclFile('t.pkr.hcl', 'a = \nb = 1\nc = [1 2]\n}\nd {\n  e = 1 +\n}\nf = 2\n');
    expect(result.diagnostics.map((d) => `${d.summary}@${d.range?.start.line}`)).toEqual([
      'Invalid expression@1',
      'Missing item separator@3',
      'Argument or block definition required@4',
      'Invalid expression@6',
    ]);
    expect(result.file.body.items.map((i) => (i.kind === 'Attribute' ? i.name : i.type))).toEqual([
      'a',
      'b',
      'c',
      'd',
      'f',
    ]);
  });

  it('survives absurd nesting with a diagnostic instead of a crash', () => {
    const deep = 'a = ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '\n';
    const result = parseHclFile('t', deep);
    expect(result.diagnostics[0].summary).toBe('Configuration too deeply nested');
    const deepTemplate = 'a = "' + '%{ if x }'.repeat(3000) + '"\n';
    expect(() => parseHclFile('t', deepTemplate)).not.toThrow();
  });
});
