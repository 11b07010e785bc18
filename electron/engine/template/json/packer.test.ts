import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import { evalJsonConsole, formatConsoleError } from './console';
import { formatPackerJsonErrors } from './diagnostics';
import { inspectJson } from './inspect';
import { loadJsonTemplate } from './load';

/*
 * Side by side with Debian's packer 1.6.6 on generated templates whose verdicts do not depend on the
 * Packer version (no min_packer_version, only the null builder, shell-local and manifest, whose
 * configurations are valid). Skipped when /usr/bin/packer is absent.
 */
const PACKER = '/usr/bin/packer';
const hasPacker = existsSync(PACKER);
if (!hasPacker) console.warn('skipping side-by-side tests: /usr/bin/packer (Debian packer 1.6.6) is absent');

function packer(args: string[], cwd: string, input?: string): string {
  try {
    return execFileSync(PACKER, args, {
      cwd,
      encoding: 'utf8',
      input,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, CHECKPOINT_DISABLE: '1' },
      timeout: 30_000,
    });
  } catch (e) {
    return (e as { stdout: string }).stdout;
  }
}

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

type Obj = Record<string, unknown>;
/** A valid template, then one or two mutations that each Packer stage reports the same way in 1.6.6 and today. */
function generate(next: () => number): string {
  const pick = <T>(a: T[]): T => a[Math.floor(next() * a.length)];
  const names = ['a', 'b', 'c'];
  const builders: Obj[] = [
    { type: 'null', name: 'a', communicator: 'none' },
    { type: 'null', name: 'b', communicator: 'none' },
  ];
  const provisioners: Obj[] = [
    { type: 'shell-local', inline: ['echo {{user `v`}}'] },
    { type: 'shell-local', inline: ['true'], only: ['a'] },
  ];
  const pps: unknown[] = [{ type: 'manifest' }, ['manifest', { type: 'shell-local', inline: ['true'] }]];
  const root: Obj = { variables: { v: 'x' }, builders, provisioners, 'post-processors': pps };
  const mutations: (() => void)[] = [
    () => (root[pick(['provisoners', 'bulders', 'extra'])] = []),
    () => (root._comment = pick(['fine', 1, ['a']])),
    () => delete builders[1].type,
    () => (builders[1].name = 'a'),
    () => delete builders[1].name,
    () => (builders[0].type = pick([[1], { x: 1 }])),
    () => ((builders as unknown[])[1] = pick(['x', 1])),
    () => (provisioners[0].only = [pick(names)]),
    () => (provisioners[0].except = [pick(names)]),
    () => (provisioners[1].except = ['b']),
    () => (provisioners[0].override = { [pick(names)]: {} }),
    () => (provisioners[0].pause_before = pick(['xx', '1x', '', '5s', 5])),
    () => (provisioners[0].timeout = pick(['1', '1.5m', '-3s'])),
    () => delete provisioners[1].type,
    () => ((provisioners as unknown[])[0] = pick(['x', 1])),
    () => (pps[0] = pick([1, true, [['manifest']], [1], [{ name: 'x' }], 'manifest'])),
    () => ((pps[0] as Obj).keep_input_artifact = pick(['yes', 1, true])),
    () => ((pps[0] as Obj).only = pick([['z'], 'a', ['a'], [1]])),
    () => ((pps[0] as Obj).name = pick([5, 'n'])),
    () => (root.variables = { v: 'x', [pick(['r', 's'])]: pick([null, 1, true, 'ok']) }),
    () => (root.variables = pick([[], 'x', { v: null }])),
    () => (root['sensitive-variables'] = pick([['v'], 'v', [1]])),
    () => (root.description = pick(['d', 1])),
    () => (root.builders = pick([{ type: 'null' }, [], 'x'])),
    () => (root.provisioners = pick([{}, 'x'])),
    () =>
      (root['error-cleanup-provisioner'] = pick([
        { inline: ['x'] },
        { type: 'shell-local', inline: ['x'], pause_before: 'x' },
        'x',
      ])),
  ];
  const count = 1 + Math.floor(next() * 2);
  for (let i = 0; i < count; i++) pick(mutations)();
  return JSON.stringify(root, null, next() < 0.5 ? 2 : undefined);
}

describe.skipIf(!hasPacker)('side by side with packer 1.6.6', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-json-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const host = memoryHost({ cwd: dir, env: { HOME: dir } });
  const kiln = (text: string, vars: [string, string][] = []) =>
    loadJsonTemplate('t.json', text, { vars, varFiles: [] }, host);

  it('validate and validate -syntax-only give the same text on generated templates', () => {
    const next = rng(166);
    const mismatches: string[] = [];
    let failing = 0;
    for (let i = 0; i < 60; i++) {
      const text = generate(next);
      writeFileSync(path.join(dir, 't.json'), text);
      let expected = packer(['validate', '-syntax-only', 't.json'], dir);
      if (expected.startsWith('Syntax-only check passed')) expected = packer(['validate', 't.json'], dir);
      const actual = formatPackerJsonErrors(kiln(text).diagnostics) ?? '';
      if (expected !== '') failing++;
      if (actual !== expected) mismatches.push(`${text}\n--- packer:\n${expected}\n--- kiln:\n${actual}`);
    }
    expect(mismatches).toEqual([]);
    // The generator must exercise the error paths, not only valid templates.
    expect(failing).toBeGreaterThan(30);
  }, 120_000);

  it('inspect prints the same text', () => {
    const text = JSON.stringify({
      description: 'side by side',
      variables: { req: null, opt: 'x', secret: 's3cr3t', longer_name: '' },
      'sensitive-variables': ['secret'],
      builders: [
        { type: 'null', communicator: 'none' },
        { type: 'null', name: 'named', communicator: 'none' },
      ],
      provisioners: [{ type: 'shell-local', inline: ['true'] }, { type: 'breakpoint' }],
    });
    writeFileSync(path.join(dir, 'i.json'), text);
    expect(inspectJson(kiln(text))).toBe(packer(['inspect', 'i.json'], dir));
    const empty = '{"builders":[{"type":"null","communicator":"none"}]}';
    writeFileSync(path.join(dir, 'e.json'), empty);
    expect(inspectJson(kiln(empty))).toBe(packer(['inspect', 'e.json'], dir));
  });

  it('console evaluates {{ }} lines the same way', () => {
    const text = JSON.stringify({
      variables: { a: 'A', b: '{{user `a`}}-b', home: '{{env `HOME`}}' },
      builders: [{ type: 'null', communicator: 'none' }],
    });
    writeFileSync(path.join(dir, 'c.json'), text);
    const t = kiln(text);
    const lines = [
      '{{user `a`}}',
      '{{user `b`}} {{user `home`}}',
      '{{user `nope`}}x',
      '{{ .Foo }}',
      '{{ upper `abc` }} {{ lower `ABC` }}',
      '{{ split `a-b-c` `-` 2 }}',
      '{{ replace_all `-` `/` `a-b` }}',
      '{{ template_dir }}',
      '{{ build_name }}',
      '{{ env `HOME` }}',
      '{{ foo }}',
      '{{ isotime `2006` }}',
      'plain text',
      '{{ printf `%05d|%s` 42 `x` }}',
    ];
    for (const line of lines) {
      const r = evalJsonConsole(line, t, host);
      const ours = (r.error ? formatConsoleError(r.error) : '') + r.output + '\n';
      expect(ours, line).toBe(packer(['console', 'c.json'], dir, line + '\n'));
    }
  }, 60_000);
});
