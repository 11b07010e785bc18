import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import { hasErrors } from '../source';
import { renderOnce } from '../gotemplate/interpolate';
import { evalJsonConsole, formatConsoleError } from './console';
import { formatPackerJsonErrors, packerJsonError } from './diagnostics';
import { inspectJson } from './inspect';
import { jsonComponentContext, loadJsonTemplate } from './load';
import { PACKER_166_VALIDATE } from './packer166.fixture';

const host = memoryHost({ cwd: '/p', env: { HOME: '/root' }, now: new Date(Date.UTC(2026, 0, 1)) });
const load = (text: string, opts: Partial<{ vars: [string, string][]; varFiles: string[] }> = {}, h = host) =>
  loadJsonTemplate('t.json', text, { vars: opts.vars ?? [], varFiles: opts.varFiles ?? [] }, h);
const packerText = (text: string) => formatPackerJsonErrors(load(text).diagnostics);

// The JSON cases of ../shared/reference/packer-1.6.6-transcripts.txt, with 1.6.6's verbatim output.
describe('Packer 1.6.6 transcript cases', () => {
  const cases: [name: string, template: string, output: string | undefined][] = [
    [
      't01-null-ok',
      `{
  "variables": {"greeting": "hello"},
  "builders": [{"type": "null", "communicator": "none"}],
  "provisioners": [{"type": "shell-local", "inline": ["echo {{user \`greeting\`}} from {{build_name}}"]}]
}`,
      undefined,
    ],
    [
      't02-unknown-root',
      `{
  "builders": [{"type": "null", "communicator": "none"}],
  "provisoners": [],
  "_comment": "this is fine"
}`,
      "Failed to parse template: 1 error occurred:\n\t* Unknown root level key in template: 'provisoners'\n\n\n",
    ],
    [
      't03-no-builders',
      `{
  "provisioners": [{"type": "shell-local", "inline": ["echo hi"]}]
}`,
      'Error: \n\n1 error occurred:\n\t* at least one builder must be defined\n\n\n\n\n',
    ],
    [
      't04-builder-no-type',
      `{
  "builders": [{"name": "x", "communicator": "none"}]
}`,
      "Failed to parse template: 1 error occurred:\n\t* builder 1: missing 'type'\n\n\n",
    ],
    [
      't05-dup-builder',
      `{
  "builders": [{"type": "null", "communicator": "none"}, {"type": "null", "communicator": "none"}]
}`,
      "Failed to parse template: 1 error occurred:\n\t* builder 2: builder with name 'null' already exists\n\n\n",
    ],
    [
      't06-bad-only',
      `{
  "builders": [{"type": "null", "name": "a", "communicator": "none"}],
  "provisioners": [{"type": "shell-local", "inline": ["echo hi"], "only": ["b"]},
                   {"type": "shell-local", "inline": ["echo hi"], "except": ["c"], "override": {"d": {}}}],
  "post-processors": [{"type": "manifest", "only": ["z"]}]
}`,
      "Error: \n\n4 errors occurred:\n\t* provisioner 1: 'only' specified builder 'b' not found\n\t* provisioner 2: 'except' specified builder 'c' not found\n\t* provisioner 2: override 'd' doesn't exist\n\t* post-processor 1.1: 'only' specified builder 'z' not found\n\n\n\n\n",
    ],
    [
      't10-prov-no-type',
      `{
  "builders": [{"type": "null", "communicator": "none"}],
  "provisioners": [{"inline": ["echo hi"]}]
}`,
      "Failed to parse template: 1 error occurred:\n\t* provisioner 1: Provisioner missing 'type'\n\n\n",
    ],
    [
      't11-dup-field',
      `{
  "builders": [{"type": "null", "type": "null", "communicator": "none"}]
}`,
      'Failed to parse template: template has duplicate field: type\n',
    ],
    [
      't12-syntax',
      `{
  "builders": [{"type": "null", "communicator": "none"},]
}`,
      'Failed to parse template: Error parsing JSON: invalid character \']\' looking for beginning of value\nAt line 2, column 58 (offset 59):\n    1: {\n    2:   "builders": [{"type": "null", "communicator": "none"},]\n                                                               ^\n\n',
    ],
    [
      't13-required-var',
      `{
  "variables": {"must": null},
  "builders": [{"type": "null", "communicator": "none"}]
}`,
      'Error: \n\n1 error occurred:\n\t* required variable not set: must\n\n\n\n\n',
    ],
    [
      'ppnest',
      '{"builders":[{"type":"null","communicator":"none"}],"post-processors":[[["manifest"]]]}',
      'Failed to parse template: 1 error occurred:\n\t* post-processor 1.1: sequence not allowed to be nested in a sequence\n\n\n',
    ],
    [
      'ppnotype',
      '{"builders":[{"type":"null","communicator":"none"}],"post-processors":[{"name":"x"}]}',
      'Failed to parse template: 1 error occurred:\n\t* post-processor 1.1: type is required\n\n\n',
    ],
    [
      'onlyexcept',
      '{"builders":[{"type":"null","communicator":"none"}],"provisioners":[{"type":"shell-local","inline":["true"],"only":["null"],"except":["null"]}]}',
      "Error: \n\n1 error occurred:\n\t* provisioner 1: only one of 'only' or 'except' may be specified\n\n\n\n\n",
    ],
    [
      'kia',
      '{"builders":[{"type":"null","communicator":"none"}],"post-processors":[{"type":"manifest","keep_input_artifact":"yes"}]}',
      "Failed to parse template: 1 error occurred:\n\t* post-processor 1.1: 1 error(s) decoding:\n\n* 'keep_input_artifact' expected type 'bool', got unconvertible type 'string', value: 'yes'\n\n\n",
    ],
    [
      'pb',
      '{"builders":[{"type":"null","communicator":"none","name":"a"},{"type":"null","communicator":"none","name":"b"}],"provisioners":[{"type":"shell-local","inline":["true"],"pause_before":"xx"}]}',
      'Failed to parse template: 1 error occurred:\n\t* provisioner 1: Error decoding provisioner: 1 error(s) decoding:\n\n* error decoding \'pause_before\': time: invalid duration "xx"\n\n\n',
    ],
    [
      'bobj',
      '{"builders":{"type":"null"}}',
      "Failed to parse template: 1 error(s) decoding:\n\n* 'builders': source data must be an array or slice, got map\n",
    ],
  ];
  it.each(cases)('%s', (_name, template, output) => {
    expect(packerText(template)).toBe(output);
  });

  it('mv: min_packer_version newer than the Packer version Kiln follows', () => {
    const out = packerText(
      '{"min_packer_version":"99.0.0","builders":[{"type":"null","communicator":"none"}]}',
    );
    expect(out).toMatch(
      /^Error: \n\nThis template requires Packer version 99\.0\.0 or higher; using \d+\.\d+\.\d+\n\n\n$/,
    );
  });

  it('j-env-bad: env in a provisioner is refused when the component renders it', () => {
    const t = load(`{
  "builders": [{"type": "null", "communicator": "none"}],
  "provisioners": [{"type": "shell-local", "inline": ["echo {{env \`HOME\`}}"]}]
}`);
    expect(hasErrors(t.diagnostics)).toBe(false);
    const build = t.builds[0];
    const inline = build.provisioners[0].resolve({
      buildName: 'null',
      buildBlockName: '',
      builderType: 'null',
      sourceName: 'null',
    }).config.inline as string[];
    expect(() => renderOnce(inline[0], jsonComponentContext(t, build))).toThrow(
      'template: root:1:7: executing "root" at <env `HOME`>: error calling env: env vars are not allowed here',
    );
  });
});

describe('more of Packer 1.6.6 messages (recorded with /usr/bin/packer validate)', () => {
  it.each(PACKER_166_VALIDATE)('%s', (template, output) => {
    expect(packerText(template) ?? '').toBe(output);
  });
});

describe('diagnostic ranges', () => {
  it('points at the offending key or value', () => {
    const text = `{
  "builders": [{"type": "null", "name": "a"}, {"type": "null", "name": "a"}],
  "provisioners": [{"type": "shell", "only": ["zz"], "pause_before": "1x"}],
  "bogus": 1
}`;
    const t = load(text);
    const at = (detail: string) => {
      const d = t.diagnostics.find((x) => x.detail.includes(detail));
      expect(d, detail).toBeDefined();
      return text.slice(d!.range!.start.offset, d!.range!.end.offset);
    };
    expect(at("builder with name 'a'")).toBe('"a"');
    expect(at('pause_before')).toBe('"1x"');
    expect(at('Unknown root level key')).toBe('"bogus"');
    const dup = t.diagnostics.find((d) => d.detail.includes('already exists'))!;
    expect(dup.range).toMatchObject({ file: 't.json', start: { line: 2, column: 72 } });
  });

  it('reports every duplicate key, at any depth, and goes on with the last value', () => {
    const t = load('{"builders":[{"type":"null","x":{"a":1,"a":2},"type":"file"}]}');
    const dups = t.diagnostics.filter((d) => d.detail.startsWith('template has duplicate field'));
    expect(dups.map((d) => d.detail)).toEqual([
      'template has duplicate field: a',
      'template has duplicate field: type',
    ]);
    expect(t.sources[0].type).toBe('file');
  });

  it('places a syntax error on the character Go stopped at, with Go wording', () => {
    const t = load('{\n  "a": [1, 2,\n}');
    expect(t.diagnostics).toHaveLength(1);
    expect(t.diagnostics[0].detail).toMatch(
      /^Error parsing JSON: invalid character '}' looking for beginning of value/,
    );
    expect(t.diagnostics[0].range!.start).toMatchObject({ line: 3, column: 1 });
    expect(packerJsonError(t.diagnostics[0])?.stage).toBe('syntax');
    const comment = load('{ // no\n}');
    expect(comment.diagnostics[0].detail).toMatch(
      /invalid character '\/' looking for beginning of object key string/,
    );
    const eof = load('{"a": ');
    expect(eof.diagnostics[0].detail).toMatch(
      /^Error parsing JSON: unexpected end of JSON input\nAt line 1, column 6 \(offset 6\)/,
    );
  });
});

describe('variables', () => {
  const tpl = `{
  "variables": {"a": "default", "b": "default", "h": "{{env \`HOME\`}}", "c": "{{user \`a\`}}-c", "s": "s3cr3t", "ip": "{{ .HTTPIP }}"},
  "sensitive-variables": ["s", "undeclared"],
  "builders": [{"type": "null", "communicator": "none"}]
}`;
  it('applies default < -var-file (in order) < -var, whatever the order, and renders defaults', () => {
    const h = memoryHost({
      cwd: '/p',
      env: { HOME: '/root' },
      files: {
        '/p/v1.json': '{"a": "file1", "b": "file1"}',
        '/p/v2.json': '{"b": "file2", "zz": "undeclared"}',
      },
    });
    const t = load(
      tpl,
      {
        vars: [
          ['a', 'cli'],
          ['zz2', 'x'],
        ],
        varFiles: ['v1.json', 'v2.json'],
      },
      h,
    );
    expect(t.diagnostics).toEqual([]);
    expect(t.json.userVariables).toMatchObject({
      a: 'cli',
      b: 'file2',
      h: '/root',
      c: 'cli-c',
      ip: '{{ .HTTPIP }}',
    });
    // Undeclared -var values are silently accepted and readable with {{user}}, as in Packer.
    expect(t.json.userVariables.zz2).toBe('x');
    expect(t.variables.map((v) => v.name)).toEqual(['a', 'b', 'h', 'c', 's', 'ip']);
    expect(t.sensitiveValues).toEqual(['s3cr3t']);
    expect(t.files).toEqual(['t.json', 'v1.json', 'v2.json']);
  });

  it('reports var files Packer cannot read, with its wording', () => {
    const h = memoryHost({
      cwd: '/p',
      files: { '/p/num.json': '{"a": 1}', '/p/arr.json': '[1]', '/p/empty.json': '' },
    });
    const msg = (f: string) => formatPackerJsonErrors(load(tpl, { varFiles: [f] }, h).diagnostics);
    expect(msg('num.json')).toBe(
      "Error reading variables in 'num.json': json: cannot unmarshal number into Go value of type string\n",
    );
    expect(msg('arr.json')).toBe(
      "Error reading variables in 'arr.json': json: cannot unmarshal array into Go value of type kvflag.FlagJSON\n",
    );
    expect(msg('empty.json')).toBe("Error reading variables in 'empty.json': EOF\n");
    expect(msg('none.json')).toBe('open none.json: no such file or directory\n');
  });

  it('rejects non-string defaults and reports variables that cannot be interpolated', () => {
    expect(packerText('{"variables":{"x":1},"builders":[{"type":"null"}]}')).toBe(
      "Failed to parse template: 1 error occurred:\n\t* variable x: '' expected type 'string', got unconvertible type 'float64', value: '1'\n\n\n",
    );
    const t = load('{"variables":{"x":"{{user `y`}}"},"builders":[{"type":"null"}]}');
    expect(t.diagnostics[0].detail).toMatch(
      /^Failed to interpolate "x": "\{\{user `y`\}\}"; error: .*variable not set: y/,
    );
    expect(t.diagnostics[0].range!.start.column).toBe(19);
  });
});

describe('builds', () => {
  const tpl = `{
  "variables": {"v": "1"},
  "builders": [
    {"type": "null", "name": "beta-{{user \`v\`}}", "communicator": "none"},
    {"type": "null", "name": "alpha", "communicator": "none"}
  ],
  "provisioners": [
    {"type": "shell-local", "inline": ["echo all"], "pause_before": "1m30s", "max_retries": "{{user \`v\`}}", "timeout": "5s"},
    {"type": "shell-local", "only": ["alpha"], "inline": ["echo alpha"]},
    {"type": "shell-local", "inline": ["echo default"], "override": {"alpha": {"inline": ["echo overridden"], "x": {"y": 1}}}}
  ],
  "error-cleanup-provisioner": {"type": "shell-local", "inline": ["echo cleanup"]},
  "post-processors": [
    "compress",
    [{"type": "manifest", "except": ["alpha"]}, {"type": "shell-local", "name": "last", "inline": ["x"], "keep_input_artifact": true}]
  ]
}`;
  const t = load(tpl);
  it('makes one plan per builder, named as Packer names it, in sorted order', () => {
    expect(hasErrors(t.diagnostics)).toBe(false);
    expect(t.builds.map((b) => [b.name, b.sourceName, b.builderType])).toEqual([
      ['alpha', 'alpha', 'null'],
      ['beta-1', 'beta-{{user `v`}}', 'null'],
    ]);
    expect(t.sources.map((s) => s.address)).toEqual(['builders[0]', 'builders[1]']);
  });

  it('filters provisioners and post-processors by only/except for each build', () => {
    const [alpha, beta] = t.builds;
    expect(alpha.provisioners.map((p) => p.address)).toEqual([
      'provisioners[0]',
      'provisioners[1]',
      'provisioners[2]',
    ]);
    expect(beta.provisioners.map((p) => p.address)).toEqual(['provisioners[0]', 'provisioners[2]']);
    expect(alpha.postProcessors.map((c) => c.map((p) => p.address))).toEqual([
      ['post-processors[0][0]'],
      ['post-processors[1][1]'],
    ]);
    expect(beta.postProcessors.map((c) => c.map((p) => `${p.address}:${p.name}`))).toEqual([
      ['post-processors[0][0]:compress'],
      ['post-processors[1][0]:manifest', 'post-processors[1][1]:last'],
    ]);
    expect(beta.postProcessors[1][1].keepInputArtifact).toBe(true);
    expect(alpha.errorCleanupProvisioner?.address).toBe('error-cleanup-provisioner');
  });

  it('decodes pause_before, max_retries (rendered) and timeout', () => {
    const p = t.builds[0].provisioners[0];
    // As in Packer, a provisioner with pause_before gets no timeout; Kiln warns about it.
    expect([p.pauseBefore, p.maxRetries, p.timeout]).toEqual([90000, 1, 0]);
    expect(t.diagnostics.map((d) => [d.severity, d.detail])).toEqual([
      [
        'warning',
        "provisioner 1: Packer ignores 'timeout' when 'pause_before' is set; the provisioner runs without a time limit.",
      ],
    ]);
    const only = load('{"builders":[{"type":"null"}],"provisioners":[{"type":"shell","timeout":"1m"}]}');
    expect(only.builds[0].provisioners[0].timeout).toBe(60000);
  });

  it('resolves configs without special keys, merging the override of the build, with ranges', () => {
    const prov = t.builds[0].provisioners[2];
    const alpha = prov.resolve({
      buildName: 'alpha',
      buildBlockName: '',
      builderType: 'null',
      sourceName: 'alpha',
    });
    expect(alpha.config).toEqual({ inline: ['echo overridden'], x: { y: 1 } });
    const text = tpl;
    const r = alpha.ranges.values['x.y'];
    expect(text.slice(r.start.offset, r.end.offset)).toBe('1');
    const beta = prov.resolve({
      buildName: 'beta-1',
      buildBlockName: '',
      builderType: 'null',
      sourceName: 'beta-{{user `v`}}',
    });
    expect(beta.config).toEqual({ inline: ['echo default'] });
    const first = t.builds[0].provisioners[0].resolve({
      buildName: 'alpha',
      buildBlockName: '',
      builderType: 'null',
      sourceName: 'alpha',
    });
    expect(Object.keys(first.config)).toEqual(['inline']);
    const builder = t.sources[0].resolve({
      buildName: 'beta-1',
      buildBlockName: '',
      builderType: 'null',
      sourceName: '',
    });
    expect(builder.config).toEqual({ communicator: 'none' });
    expect(
      text.slice(builder.ranges.keys.communicator.start.offset, builder.ranges.keys.communicator.end.offset),
    ).toBe('"communicator"');
  });

  it('gives components the interpolation context Packer gives them', () => {
    const ctx = jsonComponentContext(t, t.builds[1]);
    expect(renderOnce('{{build_name}} {{build_type}} {{user `v`}} {{template_dir}}', ctx)).toBe(
      'beta-1 null 1 /p',
    );
  });
});

describe('inspect and console', () => {
  const i1 = `{
  "description": "MAAS image build",
  "variables": {"req": null, "opt": "x", "secret": "hunter2"},
  "sensitive-variables": ["secret"],
  "builders": [{"type": "file", "content": "x", "target": "y"}, {"type": "null", "name": "n1", "communicator": "none"}],
  "provisioners": [{"type": "shell-local", "inline": ["true"]}, {"type": "breakpoint"}]
}`;
  it('prints what packer inspect prints (i1 of the transcripts)', () => {
    expect(inspectJson(load(i1))).toBe(`Packer Inspect: JSON mode
Description:

MAAS image build

Required variables:

  req

Optional variables and their defaults:

  opt    = x
  secret = <sensitive>

Builders:

  file
  n1   (null)

Provisioners:

  shell-local
  breakpoint

Note: If your build names contain user variables or template
functions such as 'timestamp', these are processed at build time,
and therefore only show in their raw form here.
`);
  });

  it('prints the -machine-readable form', () => {
    const out = inspectJson(load(i1), { machineReadable: true, timestamp: 1795305718 });
    expect(out.split('\n').slice(0, 6)).toEqual([
      '1795305718,,ui,say,Packer Inspect: JSON mode',
      '1795305718,,ui,say,Description:\\n',
      '1795305718,,ui,say,MAAS image build\\n',
      '1795305718,,ui,say,Required variables:\\n',
      '1795305718,,template-variable,req,,1',
      '1795305718,,ui,say,  req',
    ]);
    expect(out).toContain('1795305718,,template-builder,n1,null\n');
    expect(out).toContain(
      "1795305718,,ui,say,\\nNote: If your build names contain user variables or template\\nfunctions such as 'timestamp'%!(PACKER_COMMA) these are processed at build time%!(PACKER_COMMA)\\nand therefore only show in their raw form here.\n",
    );
  });

  it('evaluates console lines like the JSON console', () => {
    const t = load(i1, { vars: [['req', 'r']] });
    expect(evalJsonConsole('{{user `opt`}}-{{user `req`}}', t, host).output).toBe('x-r');
    expect(evalJsonConsole('{{ .Foo }}', t, host).output).toBe('<no value>');
    expect(evalJsonConsole('exit', t, host).exit).toBe(true);
    const err = evalJsonConsole('{{build_name}}', t, host);
    expect(formatConsoleError(err.error!)).toBe(
      '???????: Interpolation error\n\ntemplate: root:1:2: executing "root" at <build_name>: error calling build_name:\nbuild_name not available\n\n\n',
    );
  });
});

// ../shared/corpus beside the repository (a worktree sits one level deeper).
const repoRoot = path.resolve(__dirname, '../../../..');
const corpus =
  [path.resolve(repoRoot, '../shared/corpus'), path.resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(repoRoot, '../shared/corpus');
if (!existsSync(corpus)) console.warn(`skipping corpus tests: ${corpus} is absent`);
describe.skipIf(!existsSync(corpus))('corpus verdicts for JSON files (layer of the template loader)', () => {
  const file = (rel: string) => path.join(corpus, rel);
  const verdict = (rel: string) => load(readFileSync(file(rel), 'utf8'));
  const syntaxInvalid: [string, string][] = [
    ['sdk/error-duplicate-config.json', 'template has duplicate field: foo'],
    ['sdk/malformed.json', "Error parsing JSON: invalid character ']' after top-level value"],
    ['sdk/parse-builder-no-type.json', "builder 1: missing 'type'"],
    ['sdk/parse-provisioner-no-type.json', "provisioner 1: Provisioner missing 'type'"],
    ['sdk/parse-pp-no-type.json', 'post-processor 1.1: type is required'],
    ['sdk/parse-builder-repeat.json', "builder 2: builder with name 'something' already exists"],
    ['jakobadam/windows.json', 'template has duplicate field: qemuargs'],
  ];
  it.each(syntaxInvalid)('%s is invalid at parse time: %s', (rel, message) => {
    const t = verdict(rel);
    const parseErrors = t.diagnostics.filter((d) =>
      ['syntax', 'duplicate', 'root-decode', 'comment', 'root-key', 'parse'].includes(
        packerJsonError(d)?.stage ?? '',
      ),
    );
    expect(parseErrors.map((d) => d.detail).join('\n')).toContain(message);
    expect(t.json.parsed).toBe(false);
  });
  const validateInvalid: [string, string][] = [
    ['sdk/validate-bad-override.json', "provisioner 1: override 'bar' doesn't exist"],
    ['sdk/validate-bad-prov-only.json', "provisioner 1: 'only' specified builder 'bar' not found"],
    ['sdk/validate-no-builders.json', 'at least one builder must be defined'],
    ['sdk/parse-pp-multi.json', 'at least one builder must be defined'],
    ['sdk/parse-monolithic.json', 'required variable not set: three'],
  ];
  it.each(validateInvalid)('%s passes the syntax check and fails validation: %s', (rel, message) => {
    const t = verdict(rel);
    expect(t.json.parsed).toBe(true);
    expect(t.diagnostics.map((d) => d.detail)).toEqual([message]);
  });
  const valid = [
    'sdk/parse-comment.json',
    'goffinet-json/focal.json',
    'goffinet-json/centos7.json',
    'jakobadam/ubuntu.json',
    'kaorimatz/archlinux-x86_64.json',
    'kaorimatz/centos-7.4-x86_64.json',
    'kaorimatz/debian-9.4-amd64.json',
    'kaorimatz/openbsd-6.3-amd64.json',
    'kaorimatz/ubuntu-16.04-amd64.json',
    'upgrade-error-cleanup-provisioner/input.json',
    'upgrade-escaping/input.json',
  ];
  it.each(valid)('%s has no template-level error', (rel) => {
    const t = verdict(rel);
    expect(t.diagnostics).toEqual([]);
    expect(t.builds.length).toBeGreaterThan(0);
  });
});
