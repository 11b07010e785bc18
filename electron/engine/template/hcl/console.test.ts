/**
 * Side by side with Debian's packer 1.6.6: each expression is evaluated by `packer console DIR` and by
 * Kiln against the same folder, and the printed results must be identical. Skipped when
 * /usr/bin/packer is absent. Only expressions whose meaning did not change after 1.6.6 are compared;
 * newer behaviour is covered by the unit tests.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryHost, type TemplateHost } from '../host';
import type { Block, Expression } from './ast';
import { convert } from './convert';
import { displayValue } from './display';
import { evaluate, type EvalContext } from './eval';
import { packerFunctions, variableDefaultFunctions } from './functions';
import { parseHclExpression, parseHclFile } from './syntax';
import { typeConstraint } from './typeexpr';
import { DYNAMIC, EMPTY_OBJECT, STRING } from './types';
import { SENSITIVE, Value } from './values';

const PACKER = '/usr/bin/packer';

const FIXTURE = `
variable "s" {
  default = "hello"
}
variable "n" {
  default = 1.5
}
variable "big" {
  default = 12345678901234567890
}
variable "l" {
  default = ["a", "b"]
}
variable "m" {
  default = { a = 1, b = "x" }
}
variable "nested" {
  default = { list = [1, 2, { x = "y" }], flag = true }
}
variable "typed" {
  type    = list(number)
  default = [1, "2"]
}
variable "set" {
  type    = set(string)
  default = ["b", "a", "b"]
}
variable "obj" {
  type    = object({ name = string, size = number })
  default = { name = "disk", size = 10 }
}
variable "sec" {
  default   = "pw"
  sensitive = true
}
variable "cli" {
  type    = string
  default = "default"
}
variable "envvar" {
  default = env("KILN_CONSOLE_TEST")
}
locals {
  upper  = upper(var.s)
  joined = join(",", var.l)
  objs   = [{ id = 1, tags = ["a"] }, { id = 2, tags = [] }]
  nul    = null
  both   = "\${local.upper}-\${local.joined}"
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
}
`;

const ENV = { KILN_CONSOLE_TEST: 'from-env', HOME: '/home/kiln' };
const CLI_VARS: [string, string][] = [
  ['cli', 'from-cli'],
  ['typed', '[3, 4]'],
];

const EXPRESSIONS = [
  // strings
  '"hello"',
  'var.s',
  '"${var.s}!"',
  '"a\\tb"',
  '"multi\\nline"',
  '"quote\\" and \\\\ backslash"',
  '"unicode é ✓ 😀"',
  '"${var.n}"',
  '"a ${~ "b" ~} c"',
  '"%{ if true }yes%{ else }no%{ endif }"',
  '"%{ for x in ["a","b"] ~} ${x} %{ endfor ~}"',
  '"%{ for i, x in var.l }${i}:${x};%{ endfor }"',
  // numbers
  '1',
  '-0',
  '1.5',
  '1e22',
  '1e300',
  '1/3',
  '0.1+0.2',
  '"${1/3}"',
  '"a${1/3}"',
  '"a${1.1*3}"',
  '"a${1e-7}"',
  '"a${-0}"',
  '"a${1e23}"',
  '12345678901234567890',
  'var.big',
  '-var.n',
  '5%3',
  '-5%3',
  '5.5%2',
  '7/2',
  '1/0',
  '-1/0',
  '2.5e-5',
  '1234567.5',
  '0.000001',
  '123456789',
  '9007199254740993',
  '"${9007199254740993}"',
  'length("abc")/7',
  '"a${length("abc")/7}"',
  '"a${1.5e300*1.5e300}"',
  // bools and null
  'true',
  '!true',
  'null',
  '1 == 1.0',
  '"1" == 1',
  '[1] == [1]',
  '{a=1} == {a=1}',
  'null == null',
  '2 >= 2 && 1 < 2 || false',
  // collections
  '[]',
  '{}',
  '[1,"a",true,null]',
  '{a=1, b=null}',
  '{"a b"=1, "c\\"d"=2}',
  '[[], {}, [[1]]]',
  'var.l',
  'var.m',
  'var.nested',
  'var.set',
  'var.typed',
  'var.obj',
  'var.cli',
  'var.envvar',
  'var.l[1]',
  'var.l.0',
  'var.m.a',
  'var.m["b"]',
  'var.obj.name',
  'var.l[*]',
  // locals
  'local.upper',
  'local.joined',
  'local.objs',
  'local.objs[*].id',
  'local.objs.*.tags',
  'local.objs[1].tags',
  'local.nul',
  'local.both',
  // for expressions and conditionals
  '[for x in var.l: upper(x)]',
  '{for k, v in var.m: k => v}',
  '{for x in ["a","b","a"]: x => x...}',
  '[for i, x in var.l: "${i}=${x}" if x != "a"]',
  'true ? "yes" : "no"',
  'false ? 1 : "2"',
  'var.s == "hello" ? var.l : []',
  // context
  'path.root',
  'packer.version',
  'source.name',
  'build',
  '{a = source.name}',
  '[source.type]',
  'upper(source.name)',
  '"x${source.name}"',
  'source.name == "x"',
  'length([source.name])',
  'var.sec',
  '[var.sec]',
  '{k = var.sec}',
  // functions present in 1.6.6 with unchanged behaviour
  'upper("abc")',
  'lower("ABC")',
  'title("hello world")',
  'format("%s-%05.1f|%-3d|%x|%q|%v", "a", 3.14159, 7, 255, "q", [1])',
  'formatlist("%s=%d", ["a","b"], [1,2])',
  'join("-", ["a","b"], ["c"])',
  'split(",", "a,b,,c")',
  'replace("a-b-c", "-", "+")',
  'regex_replace("2024-01-02T03:04:05Z", "[- TZ:]", "")',
  'regex_replace("abab", "b*", "-")',
  'substr("hello world", -5, 3)',
  'trimspace("  x  ")',
  'trim("?!x?!", "!?")',
  'trimprefix("helloworld", "hello")',
  'trimsuffix("helloworld", "world")',
  'chomp("x\\n\\n")',
  'indent(2, "a\\nb")',
  'strrev("abc")',
  'length({a=1,b=2})',
  'concat(["a"], [1])',
  'flatten([["a"], [["b"]], "c", []])',
  'distinct(["a","b","a"])',
  'keys({b=1, a=2})',
  'values({b=1, a="x"})',
  'lookup({a="x"}, "b", "d")',
  'merge({a=1}, {b="x"})',
  'zipmap(["a","b"], [1,2])',
  'slice(["a","b","c"], 1, 3)',
  'sort(["b", "a", "B", "10", "9"])',
  'reverse([1, "a"])',
  'contains(["a"], "a")',
  'element(["a","b"], 3)',
  'chunklist(["a","b","c"], 2)',
  'range(1, 4, 0.5)',
  'setproduct(["a","b"], [1,2])',
  'setunion(["b"], ["a"])',
  'setintersection(["a","b"], ["b","c"])',
  'coalesce("", "b")',
  'coalescelist([], ["a"])',
  'compact(["a", "", "b"])',
  'min(3, "1")',
  'max(1.5, 2)',
  'abs(-1.5)',
  'ceil(1.2)',
  'floor(-1.2)',
  'log(16, 2)',
  'pow(2, 0.5)',
  'signum(-7)',
  'parseint("FF", 16)',
  'jsonencode({a=[1,"x",true,null], "b<"=1.5})',
  'jsondecode("{\\"a\\": [1, 2.5e3], \\"b\\": null}")',
  'yamlencode({a=1, b=["x"], c={d="multi\\nline"}})',
  'yamldecode("a: [1, yes, ~]\\nb: x")',
  'csvdecode("a,b\\n1,2\\n")',
  'base64encode("Hello 🌍")',
  'base64decode("SGVsbG8=")',
  'urlencode("a b&c=d/é")',
  'md5("hello")',
  'sha1("hello")',
  'sha256("hello")',
  'sha512("hello")',
  'uuidv5("dns", "www.example.com")',
  'cidrhost("10.12.112.0/20", 268)',
  'cidrnetmask("172.16.0.0/12")',
  'cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)',
  'cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)',
  'formatdate("DD MMM YYYY hh:mm ZZZ", "2018-01-02T23:12:01Z")',
  'timeadd("2017-11-22T00:00:00+02:00", "-1h30m")',
  'convert([1, "a"], list(string))',
  'can(nosuch)',
  'try(nosuch, "fallback")',
  'basename("/a/b/c.txt")',
  'dirname("/a/b/c.txt")',
  'pathexpand("~/x")',
  'file("files/a.txt")',
  'fileexists("files/a.txt")',
  'fileset(".", "files/*")',
  // errors whose wording did not change after 1.6.6
  'nosuch',
  'var.nosuch',
  'nosuchfn(1)',
  'lenght(1)',
  'upper()',
  'upper("a", "b")',
  '"a" + 1',
  '0/0',
  'element([], 0)',
  'format("%d", 1.5)',
  'jsondecode("x")',
  'regex_replace("x", "(", "y")',
  '"a${null}"',
  '[for x in null: x]',
  '{for x in ["a","a"]: x => 1}',
  'null ? 1 : 2',
  'var.m.c',
];

interface Shown {
  text: string;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** `packer console` output: the value, or `Error: <summary>` lines with the detail, whitespace normalised. */
function packerShown(stdout: string, stderr: string): Shown {
  const out = (stdout + stderr).replace(/\n+$/, '');
  if (!out.startsWith('Error: ')) return { text: out };
  const errors = out.split(/^Error: /m).filter((x) => x.trim() !== '');
  return {
    text: errors
      .map((e) => {
        const [summary, ...rest] = e.split('\n');
        // Drop the location lines and hcl's "with x as ..." note on the variables in scope.
        const detail = rest
          .join('\n')
          .replace(/ {2}on <console-input> line 1:\n {2}\(source code not available\)\n/, '')
          .replace(/^with .* as .*[,.]$/gm, '');
        return normalise(`${summary}: ${detail}`);
      })
      .join(' | '),
  };
}

function runPacker(dir: string, expression: string, vars: [string, string][]): Promise<Shown> {
  return new Promise((resolve, reject) => {
    const args = ['console', ...vars.flatMap(([k, v]) => ['-var', `${k}=${v}`]), '.'];
    const child = spawn(PACKER, args, {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', ...ENV, CHECKPOINT_DISABLE: '1', PACKER_LOG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', () => resolve(packerShown(stdout, stderr)));
    child.stdin.end(expression + '\n');
  });
}

/** A minimal loader for the fixture: variable defaults with types, -var values, sensitive marks, locals. */
function kilnContext(host: TemplateHost, dir: string, vars: [string, string][]): EvalContext {
  const parsed = parseHclFile('console.pkr.hcl', FIXTURE);
  expect(parsed.diagnostics).toEqual([]);
  const blocks = parsed.file.body.blocks;
  const attr = (block: Block, name: string): Expression | undefined =>
    block.body.attributes.find((a) => a.name === name)?.expr;
  const variables = new Map<string, Value>();
  for (const block of blocks.filter((x) => x.type === 'variable')) {
    const name = block.labels[0].value;
    const typeExpr = attr(block, 'type');
    const type = typeExpr ? typeConstraint(typeExpr).type : DYNAMIC;
    let value = evaluate(attr(block, 'default')!, { functions: variableDefaultFunctions(), host }).value;
    const given = vars.find(([k]) => k === name);
    if (given) {
      value =
        type.kind === 'string' || type.kind === 'dynamic'
          ? Value.string(given[1])
          : evaluate(parseHclExpression(given[1], '<value for var.' + name + '>').expr, {}).value;
    }
    value = convert(value, type);
    const sensitive = attr(block, 'sensitive');
    if (sensitive && evaluate(sensitive, {}).value.asBool()) value = value.mark(SENSITIVE);
    variables.set(name, value);
  }
  const root: Record<string, Value> = {
    var: Value.object(variables),
    path: Value.object({ cwd: Value.string(dir), root: Value.string('.') }),
    packer: Value.object({ version: Value.string('1.6.6') }),
    source: Value.object({ type: Value.unknown(STRING), name: Value.unknown(STRING) }),
    build: Value.unknown(EMPTY_OBJECT),
  };
  const functions = packerFunctions();
  const locals = new Map<string, Value>();
  for (const block of blocks.filter((x) => x.type === 'locals')) {
    for (const a of block.body.attributes) {
      const r = evaluate(a.expr, {
        variables: { ...root, local: Value.object(locals) },
        functions,
        host,
        baseDir: '.',
      });
      expect(r.diagnostics).toEqual([]);
      locals.set(a.name, r.value);
    }
  }
  return { variables: { ...root, local: Value.object(locals) }, functions, host, baseDir: '.' };
}

function kilnShown(ctx: EvalContext, expression: string): Shown {
  const parsed = parseHclExpression(expression, '<console-input>');
  const diagnostics = [...parsed.diagnostics];
  let text = '';
  if (!diagnostics.some((d) => d.severity === 'error')) {
    const r = evaluate(parsed.expr, ctx);
    diagnostics.push(...r.diagnostics);
    text = displayValue(r.value);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    return { text: errors.map((d) => normalise(`${d.summary}: ${d.detail}`)).join(' | ') };
  // The console ends every result with a newline, so trailing newlines of the value cannot be told apart.
  return { text: text.replace(/\n+$/, '') };
}

describe.skipIf(!existsSync(PACKER))('packer console side by side (Debian packer 1.6.6)', () => {
  let dir = '';
  const packerResults = new Map<string, Shown>();
  const cases = [
    ...EXPRESSIONS.map((e) => ({ e, vars: [] as [string, string][] })),
    { e: 'var.cli', vars: CLI_VARS },
    { e: 'var.typed', vars: CLI_VARS },
  ];
  const key = (c: { e: string; vars: [string, string][] }) => `${c.vars.length ? '-var ' : ''}${c.e}`;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-console-'));
    writeFileSync(join(dir, 'console.pkr.hcl'), FIXTURE);
    mkdirSync(join(dir, 'files'));
    writeFileSync(join(dir, 'files', 'a.txt'), 'hello\n');
    const queue = [...cases];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift())
        packerResults.set(key(c), await runPacker(dir, c.e, c.vars));
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
  }, 240_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(key(c), () => {
      const host = memoryHost({
        cwd: dir,
        env: ENV,
        home: ENV.HOME,
        files: { [join(dir, 'files', 'a.txt')]: 'hello\n' },
      });
      const ctx = kilnContext(host, dir, c.vars);
      expect(kilnShown(ctx, c.e).text).toBe(packerResults.get(key(c))!.text);
    });
  }
});
