/**
 * `kiln build` against Debian's packer 1.6.6 on the same JSON templates: the same output (modulo
 * durations, temp names and the order of the artifacts summary, which Packer takes from a Go map),
 * the same exit codes. Prompts are answered from --answers for Kiln and typed on a pty for Packer.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { normalise } from '../../engine/testing/normalise';
import { packerAvailable, runPacker, runPackerWithTty } from '../../engine/testing/packer';
import { main } from '../main';
import { globMatch } from './build';

const root = mkdtempSync(join(tmpdir(), 'kiln-cli-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const withPacker = packerAvailable();
if (!withPacker) console.warn('packer 1.6.6 is not at /usr/bin/packer: comparisons with it are skipped');

async function kiln(args: string[], cwd: string, env: Record<string, string> = {}) {
  let out = '';
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(['build', ...args], {
    stdout: { write: (t: string) => void (out += t) },
    stderr: { write: (t: string) => void (out += t) },
    stdin,
    env: { PATH: process.env.PATH, ...env },
    cwd,
    signal: new AbortController().signal,
  });
  return { code, out };
}

/** Sorts the lines of the artifacts summary (Packer prints them in Go's random map order). */
function comparable(text: string): string {
  const n = normalise(text);
  const at = n.indexOf('==> Builds finished. The artifacts of successful builds are:\n');
  if (at < 0) return n;
  const head = n.slice(0, at);
  const tail = n.slice(at).split('\n');
  return (
    head +
    [
      tail[0],
      ...tail
        .slice(1)
        .filter((l) => l !== '')
        .sort(),
    ].join('\n')
  );
}

function dir(name: string, files: Record<string, unknown>): string {
  const d = join(root, name);
  mkdirSync(d, { recursive: true });
  for (const [f, v] of Object.entries(files))
    writeFileSync(join(d, f), typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  return d;
}

const B01 = {
  variables: { msg: 'hi', secret: 's3cr3t' },
  'sensitive-variables': ['secret'],
  builders: [
    { type: 'null', name: 'alpha', communicator: 'none' },
    { type: 'null', name: 'beta', communicator: 'none' },
  ],
  provisioners: [
    {
      type: 'shell-local',
      inline: ['echo {{user `msg`}} {{build_name}} {{build_type}} secret={{user `secret`}}'],
    },
    {
      type: 'shell-local',
      only: ['beta'],
      environment_vars: ["FOO=it's"],
      inline: [
        'echo beta-only FOO=$FOO PACKER_BUILD_NAME=$PACKER_BUILD_NAME PACKER_BUILDER_TYPE=$PACKER_BUILDER_TYPE',
      ],
    },
    {
      type: 'shell-local',
      override: { alpha: { inline: ['echo overridden for alpha'] } },
      inline: ['echo not overridden'],
    },
  ],
  'post-processors': [
    { type: 'shell-local', inline: ['echo pp1 for {{build_name}}'] },
    [
      { type: 'manifest', output: 'manifest-{{build_name}}.json' },
      { type: 'shell-local', inline: ['echo chained pp'] },
    ],
  ],
};

const B02 = {
  builders: [{ type: 'null', communicator: 'none' }],
  provisioners: [
    { type: 'shell-local', inline: ['echo before-fail', 'exit 3'] },
    { type: 'shell-local', inline: ['echo never'] },
  ],
  'error-cleanup-provisioner': { type: 'shell-local', inline: ['echo cleanup-provisioner-ran'] },
};

const B03 = {
  builders: [{ type: 'null', communicator: 'none' }],
  provisioners: [
    { type: 'shell-local', inline: ['echo one'] },
    { type: 'breakpoint', note: 'inspect the VM now' },
    { type: 'breakpoint' },
    { type: 'breakpoint', disable: true, note: 'skipped' },
    { type: 'shell-local', inline: ['echo two'] },
  ],
};

const RETRY = {
  builders: [{ type: 'null', communicator: 'none' }],
  provisioners: [
    {
      type: 'shell-local',
      inline: ['test -f marker && echo third-time || { touch marker; exit 4; }'],
      max_retries: 2,
    },
    { type: 'shell-local', inline: ['echo slow'], pause_before: '500ms' },
    { type: 'shell-local', inline: ['sleep 3'], timeout: '1s' },
  ],
};

const FILE = {
  builders: [
    { type: 'file', name: 'one', content: 'base', target: 'one.txt' },
    { type: 'file', name: 'two', source: 'one-src.txt', target: 'sub/two.txt' },
  ],
  provisioners: [{ type: 'shell-local', inline: ['echo built {{build_name}}'] }],
  'post-processors': [
    { type: 'checksum', checksum_types: ['sha256'], output: 'sums/{{.BuildName}}.{{.ChecksumType}}' },
  ],
};

interface Case {
  name: string;
  template: unknown;
  args: string[];
  files?: Record<string, unknown>;
  /** Answers: Kiln reads them from --answers, Packer gets them typed on a terminal. */
  answers?: string[];
  /** Packer prints some lines from a goroutine (the timeout notice): compare the lines as a set. */
  unordered?: boolean;
}

const CASES: Case[] = [
  { name: 'b01 parallel builds, only, override, sensitive', template: B01, args: ['-parallel-builds=1'] },
  { name: 'b01 -only=beta', template: B01, args: ['-only=beta'] },
  { name: 'b01 -except=alpha and a post-processor', template: B01, args: ['-except=alpha,manifest'] },
  { name: 'b01 -only matching nothing', template: B01, args: ['-only=nope'] },
  { name: 'b02 -on-error=cleanup', template: B02, args: ['-on-error=cleanup'] },
  { name: 'b02 -on-error=abort', template: B02, args: ['-on-error=abort'] },
  {
    name: 'b02 -on-error=run-cleanup-provisioner',
    template: B02,
    args: ['-on-error=run-cleanup-provisioner'],
  },
  { name: 'b02 -on-error=ask without a terminal', template: B02, args: ['-on-error=ask'] },
  { name: 'b02 -on-error=ask, r then c', template: B02, args: ['-on-error=ask'], answers: ['r', 'c'] },
  { name: 'b02 -on-error=ask, a', template: B02, args: ['-on-error=ask'], answers: ['a'] },
  { name: 'b02 -on-error=ask, x then c', template: B02, args: ['-on-error=ask'], answers: ['x', 'c'] },
  { name: 'b03 breakpoints without a terminal', template: B03, args: [] },
  { name: 'b03 breakpoints answered', template: B03, args: [], answers: ['', ''] },
  {
    name: '-debug',
    template: { ...B02, provisioners: [B02.provisioners[1]] },
    args: ['-debug'],
    answers: ['', '', '', '', ''],
  },
  { name: 'max_retries, pause_before, timeout', template: RETRY, args: [], unordered: true },
  {
    name: 'file builder, checksum output template',
    template: FILE,
    args: ['-parallel-builds=1'],
    files: { 'one-src.txt': 'from source\n' },
  },
  {
    name: '-var and -var-file',
    template: {
      variables: { a: 'default', b: 'default' },
      builders: [{ type: 'null', communicator: 'none' }],
      provisioners: [
        { type: 'shell-local', inline: ['echo a={{user `a`}} b={{user `b`}} undef=[{{user `nope`}}]'] },
      ],
    },
    args: ['-var', 'a=cli', '-var-file=vars.json'],
    files: { 'vars.json': { a: 'varfile', b: 'varfile' } },
  },
  {
    name: 'a refused build next to a good one',
    template: {
      builders: [
        { type: 'file', name: 'bad' },
        { type: 'null', name: 'good', communicator: 'none' },
      ],
    },
    args: [],
  },
];

describe('kiln build, side by side with packer 1.6.6', { timeout: 120_000 }, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const kDir = dir(`k-${c.name.replace(/\W+/g, '-')}`, { 't.json': c.template, ...(c.files ?? {}) });
      const args = ['-color=false', ...c.args];
      if (c.answers) writeFileSync(join(kDir, 'answers.txt'), c.answers.map((a) => `${a}\n`).join(''));
      const k = await kiln([...args, ...(c.answers ? ['--answers=answers.txt'] : []), 't.json'], kDir);
      if (!withPacker) {
        expect(k.code).toBeGreaterThanOrEqual(0);
        return;
      }
      const pDir = dir(`p-${c.name.replace(/\W+/g, '-')}`, { 't.json': c.template, ...(c.files ?? {}) });
      const p = c.answers
        ? runPackerWithTty(['build', ...args, 't.json'], pDir, c.answers)
        : runPacker(['build', ...args, 't.json'], pDir);
      if (!p) return;
      if (c.unordered) {
        // Packer prints its timeout notice from a goroutine that races the provisioner's own failure;
        // under load it is sometimes not printed at all. Kiln always prints it, so it is left out here.
        const racy = '==> null: Cancelling provisioner after a timeout...';
        const lines = (t: string) =>
          comparable(t)
            .split('\n')
            .filter((l) => l !== racy)
            .sort();
        expect(lines(k.out)).toEqual(lines(p.out));
      } else expect(comparable(k.out)).toBe(comparable(p.out));
      expect(k.code).toBe(p.code);
      // The same files are left behind.
      const files = (d: string) =>
        readFileSync(join(d, 't.json')) && existsSync(join(d, 'sums'))
          ? readFileSync(join(d, 'sums', 'one.sha256'), 'utf8')
          : '';
      expect(files(kDir)).toBe(files(pDir));
    });
  }

  it('runs builds in parallel unless told otherwise', async () => {
    const template = {
      builders: ['a', 'b', 'c'].map((name) => ({ type: 'null', name, communicator: 'none' })),
      provisioners: [{ type: 'shell-local', inline: ['sleep 1'] }],
    };
    const d = dir('parallel', { 't.json': template });
    let started = Date.now();
    const all = await kiln(['-color=false', 't.json'], d);
    const parallel = Date.now() - started;
    started = Date.now();
    await kiln(['-color=false', '-parallel-builds=1', 't.json'], d);
    const serial = Date.now() - started;
    expect(all.code).toBe(0);
    expect(serial - parallel).toBeGreaterThan(1500);
  });

  it('rejects a bad -on-error with the usage', async () => {
    const k = await kiln(['-on-error=bogus', 't.json'], root);
    expect(k.code).toBe(1);
    expect(k.out).toContain(
      'invalid value "bogus" for flag -on-error: expected one of ["cleanup" "abort" "ask" "run-cleanup-provisioner"]',
    );
  });

  it('prints machine-readable and timestamped output like Packer', async () => {
    const d = dir('machine', { 't.json': B02 });
    const k = await kiln(['-machine-readable', 't.json'], d);
    expect(k.code).toBe(1);
    const lines = k.out.trim().split('\n');
    expect(lines[0]).toMatch(/^\d+,,ui,say,==> null: Running local shell script: \/tmp\/packer-shell\d+$/);
    expect(k.out).toMatch(/\n\d+,,error-count,1\n/);
    expect(k.out).toMatch(
      /\n\d+,null,error,Script exited with non-zero exit status: 3.Allowed exit codes are: \[0\]\n/,
    );
    expect(k.out).toContain(
      ',ui,say,==> null: Provisioning step had errors: Running the cleanup provisioner%!(PACKER_COMMA) if present...',
    );
    const t = await kiln(['-color=false', '-timestamp-ui', 't.json'], d);
    expect(t.out).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: ==> null: Running local shell script/);
    expect(t.out).toContain('\n==> Wait completed after');
  });

  it('colours each build as Packer does unless -color=false', async () => {
    const d = dir('color', { 't.json': B01 });
    const k = await kiln(['-only=alpha', 't.json'], d);
    expect(k.out.startsWith('\x1b[1;32malpha: output will be in this color.\x1b[0m\n\n')).toBe(true);
    expect(k.out).toContain('\x1b[0;32m    alpha: hi alpha null secret=<sensitive>\x1b[0m\n');
  });
});

describe('kiln build of an HCL2 folder', { timeout: 60_000 }, () => {
  const HCL = `
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
source "null" "first" {
  communicator = "none"
}
source "null" "second" {
  communicator = "none"
}
build {
  name    = "mybuild"
  sources = ["source.null.first", "sources.null.second"]
  provisioner "shell-local" {
    inline = ["echo name=\${source.name} type=\${source.type} secret=\${var.secret} PBN=$PACKER_BUILD_NAME"]
  }
  provisioner "shell-local" {
    only   = ["null.second"]
    inline = ["echo only-second"]
  }
  post-processor "shell-local" {
    inline = ["echo pp \${build.name}"]
  }
}
`;

  it('runs the builds with HCL names, only, sensitive variables and -only globs', async () => {
    const d = dir('hcl1', { 'build.pkr.hcl': HCL });
    const all = await kiln(['-color=false', '-parallel-builds=1', '.'], d);
    expect(all.code).toBe(0);
    expect(normalise(all.out)).toContain(
      [
        '==> mybuild.null.first: Running local shell script: /tmp/packer-shellN',
        '    mybuild.null.first: name=first type=null secret=<sensitive> PBN=first',
        '==> mybuild.null.first: Running post-processor: shell-local',
        '==> mybuild.null.first (shell-local): Running local shell script: /tmp/packer-shellN',
        '    mybuild.null.first (shell-local): pp mybuild',
        "Build 'mybuild.null.first' finished after D.",
      ].join('\n'),
    );
    expect(all.out).toContain('    mybuild.null.second: only-second\n');
    const second = await kiln(['-color=false', '-only=*.second', '.'], d);
    expect(second.out).not.toContain('mybuild.null.first');
    expect(second.out).toContain('only-second');
    const none = await kiln(['-color=false', '-only=null.second', '.'], d);
    expect(none.out).toContain('==> Builds finished but no artifacts were created.');
  });
});

describe('-only/-except globs for HCL build names', () => {
  it('matches as Packer (gobwas/glob without separators)', () => {
    expect(globMatch('*.second', 'mybuild.null.second')).toBe(true);
    expect(globMatch('null.second', 'mybuild.null.second')).toBe(false);
    expect(globMatch('mybuild.*', 'mybuild.null.first')).toBe(true);
    expect(globMatch('{a,b}.null.x', 'b.null.x')).toBe(true);
    expect(globMatch('n?ll.[fs]*', 'null.second')).toBe(true);
  });
});
