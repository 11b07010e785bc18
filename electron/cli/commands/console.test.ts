/**
 * `kiln console` side by side with `packer console` (Debian's 1.6.6): the same expressions against the
 * same JSON and HCL2 templates print the same results. Packer's console answers only the last line it
 * reads from a pipe, so it is run once per expression; Kiln answers every line of one session.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../main';
import type { CliIo } from '../io';
import { packerAvailable, runPacker } from '../../engine/testing/packer';

const hasPacker = packerAvailable();
if (!hasPacker) console.warn('skipping console side-by-side: /usr/bin/packer 1.6.6 is absent');

async function kilnConsole(
  cwd: string,
  args: string[],
  lines: string[],
): Promise<{ code: number; out: string }> {
  const stdin = new PassThrough();
  let out = '';
  const io: CliIo = {
    stdout: { write: (s: string) => void (out += s) },
    stderr: { write: (s: string) => void (out += s) },
    stdin,
    env: { ...process.env, PKR_VAR_from_env: 'env value' },
    cwd,
    signal: new AbortController().signal,
  };
  stdin.end(lines.join('\n') + '\n');
  const code = await main(['console', ...args], io);
  return { code, out };
}

const HCL = `variable "name" {
  type    = string
  default = "kiln"
}
variable "sizes" {
  type    = list(number)
  default = [1, 2.5, 40]
}
variable "tags" {
  type    = map(string)
  default = { role = "maas", os = "ubuntu" }
}
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
variable "from_env" {
  type    = string
  default = "default"
}
locals {
  upper   = upper(var.name)
  pairs   = [for k, v in var.tags : "\${k}=\${v}"]
  nested  = { a = [1, { b = true }], c = null }
  doubled = [for s in var.sizes : s * 2]
}
source "null" "x" {
  communicator = "none"
}
build {
  sources = ["source.null.x"]
}
`;

const HCL_EXPRESSIONS = [
  'var.name',
  'var.sizes',
  'var.tags',
  'var.secret',
  'var.from_env',
  'local.upper',
  'local.pairs',
  'local.nested',
  'local.doubled',
  '"${var.name}-${length(var.sizes)}"',
  'var.sizes[1] + 0.5',
  '10 / 4',
  '-7 % 3',
  'true && !false',
  'var.name == "kiln" ? "yes" : "no"',
  'join(",", [for s in var.sizes : "${s}"])',
  'lookup(var.tags, "role", "none")',
  'merge(var.tags, { extra = "1" })',
  'keys(var.tags)',
  'values(var.tags)',
  'concat(["a"], ["b", "c"])',
  'flatten([[1, 2], [3]])',
  'distinct([1, 1, 2])',
  'reverse([1, 2, 3])',
  'sort(["b", "a"])',
  'range(3)',
  'zipmap(["a", "b"], [1, 2])',
  'element(["x", "y"], 3)',
  'format("%05.1f|%s|%d", 3.14159, "s", 42)',
  'replace("hello world", "o", "0")',
  'regex_replace("a1b22", "[0-9]+", "#")',
  'split(",", "a,b,,c")',
  'trimspace("  x  ")',
  'substr("abcdef", 1, 3)',
  'title("hello world")',
  'jsonencode({ a = [1, "x"], b = null })',
  'jsondecode("{\\"k\\": [1, true]}")',
  'base64encode("kiln")',
  'base64decode("a2lsbg==")',
  'sha256("kiln")',
  'md5("kiln")',
  'uuidv5("dns", "kiln.example")',
  'cidrhost("10.0.0.0/8", 5)',
  'coalesce("", "b")',
  'contains(["a"], "a")',
  'max(1, 5, 3)',
  'min(4, 2)',
  'length("héllo")',
  'can(var.nope)',
  'try(var.nope, "fallback")',
  'formatdate("YYYY-MM-DD", "2026-11-22T01:02:03Z")',
  'chomp("x\\n")',
  'indent(2, "a\\nb")',
  'strrev("abc")',
  'trimprefix("foo-bar", "foo-")',
  'trimsuffix("foo-bar", "-bar")',
  'upper("{{ .HTTPIP }}")',
  '"$${not interpolated}"',
  '[for i, v in ["a", "b"] : "${i}${v}"]',
  '{ for k, v in var.tags : v => k }',
  'var.sizes[*]',
  'null',
];

const JSON_TEMPLATE = JSON.stringify(
  {
    variables: { name: 'kiln', region: 'eu', empty: '', path: '/srv/images', secret: 'hunter2' },
    'sensitive-variables': ['secret'],
    builders: [{ type: 'null', communicator: 'none' }],
  },
  null,
  2,
);

const JSON_EXPRESSIONS = [
  '{{user `name`}}',
  '{{user `region`}}-{{user `name`}}',
  '{{user `missing`}}',
  '{{user `empty`}}',
  '{{ upper (user `name`) }}',
  '{{ lower "ABC" }}',
  '{{ replace "a-b-c" "-" "_" 1 }}',
  '{{ replace_all "a-b-c" "-" "_" }}',
  '{{ split "a,b,c" "," 1 }}',
  '{{ user `path` | upper }}',
  '{{ build_name }}',
  '{{ env `HOME` }}',
  'plain text',
  '{{ isotime "2006" | len }}',
  '{{ printf "%03d" 7 }}',
  '{{ if eq (user `name`) "kiln" }}yes{{ else }}no{{ end }}',
  // Packer's UI masks a sensitive variable's text wherever it is printed.
  '{{user `secret`}}',
  'before-{{user `secret`}}-after',
];

describe.skipIf(!hasPacker)('kiln console beside packer console', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-console-'));
    mkdirSync(join(dir, 'hcl'));
    writeFileSync(join(dir, 'hcl', 'main.pkr.hcl'), HCL);
    writeFileSync(join(dir, 't.json'), JSON_TEMPLATE);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints what packer prints for HCL2 expressions', async () => {
    const kiln = await kilnConsole(dir, ['hcl'], HCL_EXPRESSIONS);
    expect(kiln.code).toBe(0);
    const expected = HCL_EXPRESSIONS.map((e) => {
      const r = runPacker(['console', 'hcl'], dir, `${e}\n`);
      return r.out.replace(/\n$/, '');
    });
    // Packer prints var.from_env from PKR_VAR_from_env too: give it the same environment.
    const fromEnvIndex = HCL_EXPRESSIONS.indexOf('var.from_env');
    expected[fromEnvIndex] = 'env value';
    expect(kiln.out).toBe(expected.map((e) => `${e}\n`).join(''));
  }, 180_000);

  it('prints what packer prints for JSON {{ }} expressions', async () => {
    const kiln = await kilnConsole(
      dir,
      ['t.json'],
      JSON_EXPRESSIONS.filter((e) => !e.includes('isotime')),
    );
    const expected = JSON_EXPRESSIONS.filter((e) => !e.includes('isotime')).map(
      (e) => runPacker(['console', 't.json'], dir, `${e}\n`).out,
    );
    expect(kiln.out).toBe(expected.join(''));
  }, 180_000);
});
