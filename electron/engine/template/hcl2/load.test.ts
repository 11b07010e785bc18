import { describe, expect, it } from 'vitest';
import { UNKNOWN } from '../config';
import { memoryHost } from '../host';
import type { LoadedTemplate, RuntimeVars } from '../model';
import { loadHclTemplate } from './load';
import { inspectHcl } from './inspect';

const hcl1 = `variable "greeting" {
  type    = string
  default = "from-default"
}
variable "secret" {
  type      = string
  default   = "hunter2"
  sensitive = true
}
locals {
  upper = upper(var.greeting)
  ts    = "static"
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
    inline = ["echo greeting=\${var.greeting} upper=\${local.upper} build.name=\${build.name} source.name=\${source.name} source.type=\${source.type} secret=\${var.secret}"]
  }
  provisioner "shell-local" {
    only   = ["null.second"]
    inline = ["echo only-second path.root=\${path.root} path.cwd=\${path.cwd}"]
  }
  post-processor "shell-local" {
    inline = ["echo pp \${build.name}"]
  }
}
`;

function load(
  files: Record<string, string>,
  path = '/t',
  opts: Partial<{ vars: [string, string][]; varFiles: string[]; env: Record<string, string> }> = {},
): LoadedTemplate {
  const host = memoryHost({ files, env: opts.env ?? {}, cwd: '/t' });
  return loadHclTemplate(path, { vars: opts.vars ?? [], varFiles: opts.varFiles ?? [] }, host);
}

const runtime = (
  plan: LoadedTemplate['builds'][number],
  generated: Record<string, string> = {},
): RuntimeVars => ({
  buildName: plan.name,
  buildBlockName: plan.buildBlockName,
  builderType: plan.builderType,
  sourceName: plan.sourceName,
  generated,
});

function errors(t: LoadedTemplate): string[] {
  return t.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.summary}: ${d.detail}`);
}

describe('loadHclTemplate', () => {
  it('masks the values of sensitive locals as it does sensitive variables', () => {
    const t = load({
      '/t/a.pkr.hcl': `
variable "token" {
  type      = string
  default   = "tok-1"
  sensitive = true
}
local "pw" {
  expression = "hunter22"
  sensitive  = true
}
local "pair" {
  expression = ["p1", "p2", ""]
  sensitive  = true
}
locals {
  open = "visible"
}
source "null" "n" {
  communicator = "none"
}
build {
  sources = ["source.null.n"]
}
`,
    });
    expect(errors(t)).toEqual([]);
    expect([...t.sensitiveValues].sort()).toEqual(['hunter22', 'p1', 'p2', 'tok-1']);
    expect(t.locals.find((l) => l.name === 'pw')?.display).toBe('<sensitive>');
  });

  it('loads variables, locals, builds and provisioners as Packer does (transcript hcl1)', () => {
    const t = load({ '/t/build.pkr.hcl': hcl1 });
    expect(errors(t)).toEqual([]);
    expect(t.builds.map((b) => b.name)).toEqual(['mybuild.null.first', 'mybuild.null.second']);
    expect(t.builds[0].provisioners).toHaveLength(1);
    expect(t.builds[1].provisioners).toHaveLength(2);
    expect(t.sensitiveValues).toEqual(['hunter2']);
    const first = t.builds[0];
    const config = first.provisioners[0].resolve(runtime(first)).config;
    expect(config.inline).toEqual([
      'echo greeting=from-default upper=FROM-DEFAULT build.name=mybuild source.name=first source.type=null secret=hunter2',
    ]);
    const second = t.builds[1];
    expect(second.provisioners[1].resolve(runtime(second)).config.inline).toEqual([
      'echo only-second path.root=/t path.cwd=/t',
    ]);
    expect(second.postProcessors[0][0].resolve(runtime(second)).config.inline).toEqual(['echo pp mybuild']);
  });

  it("gives each component its own build's and source's names, with and without generated data", () => {
    const t = load({
      '/t/build.pkr.hcl': `source "null" "s" {
  communicator = "none"
}
build {
  name    = "one"
  sources = ["source.null.s"]
  provisioner "shell-local" {
    inline = ["\${build.name} \${source.name}", build.ID]
  }
  post-processor "shell-local" {
    inline = ["pp \${build.name} \${source.type}"]
  }
}
build {
  name = "two"
  source "source.null.s" {
    name = "renamed"
  }
  provisioner "shell-local" {
    inline = ["\${build.name} \${source.name}"]
  }
}
`,
    });
    expect(errors(t)).toEqual([]);
    const [one, two] = t.builds;
    const bare = (plan: typeof one): RuntimeVars => ({ ...runtime(plan), generated: undefined });
    expect(two.provisioners[0].resolve(bare(two)).config.inline).toEqual(['two renamed']);
    expect(one.provisioners[0].resolve(bare(one)).config.inline).toEqual(['one s', UNKNOWN]);
    expect(one.postProcessors[0][0].resolve(bare(one)).config.inline).toEqual(['pp one null']);
    expect(one.provisioners[0].resolve(runtime(one, { ID: 'vm-1' })).config.inline).toEqual([
      'one s',
      'vm-1',
    ]);
    // Generated data of one run does not leak into a later run without it.
    expect(one.provisioners[0].resolve(bare(one)).config.inline).toEqual(['one s', UNKNOWN]);
    expect(two.provisioners[0].resolve(bare(two)).config.inline).toEqual(['two renamed']);
  });

  it('prints inspect exactly as packer 1.6.6 did', () => {
    const t = load({ '/t/build.pkr.hcl': hcl1 });
    expect(inspectHcl(t)).toBe(`Packer Inspect: HCL2 mode

> input-variables:

var.greeting: "from-default"
var.secret: "<sensitive>"

> local-variables:

local.ts: "static"
local.upper: "FROM-DEFAULT"

> builds:

  > mybuild:

    sources:

      null.first

      null.second

    provisioners:

      shell-local
      shell-local

    post-processors:

      0:
        shell-local

`);
  });

  it('applies variable precedence: default < env < auto var file < -var-file < -var', () => {
    const files = {
      '/t/v.pkr.hcl':
        ['a', 'b', 'c', 'd', 'e'].map((n) => `variable "${n}" { default = "default" }`).join('\n') +
        '\nsource "null" "n" { communicator = "none" }\nbuild { sources = ["source.null.n"] }\n',
      '/t/x.auto.pkrvars.hcl': 'b = "auto"\nc = "auto"\nd = "auto"\ne = "auto"\n',
      '/v.pkrvars.hcl': 'c = "varfile"\nd = "varfile"\ne = "varfile"\n',
    };
    const env = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [`PKR_VAR_${n}`, 'env']));
    const t = load(files, '/t', { env, vars: [['e', 'cli']], varFiles: ['/v.pkrvars.hcl'] });
    expect(errors(t)).toEqual([]);
    expect(Object.fromEntries(t.variables.map((v) => [v.name, v.display]))).toEqual({
      a: 'env',
      b: 'auto',
      c: 'varfile',
      d: 'varfile',
      e: 'cli',
    });
  });

  it("rejects an undeclared -var with Packer's message", () => {
    const t = load({ '/t/v.pkr.hcl': 'variable "a" { default = "x" }\n' }, '/t', { vars: [['zz', '1']] });
    expect(errors(t)).toEqual([
      'Undefined -var variable: A "zz" variable was passed in the command line but was not found in known variables. To declare variable "zz", place this block in one of your .pkr files, such as variables.pkr.hcl',
    ]);
  });

  it('adds build-level source arguments and names the local source; redefining one is an error', () => {
    const t = load({
      '/t/s.pkr.hcl': `source "file" "base" {
  content = "base"
}
build {
  source "source.file.base" {
    name   = "one"
    target = "one.txt"
  }
  source "file.base" {
    name    = "two"
    target  = "two.txt"
    content = "override?"
  }
}
`,
    });
    expect(t.builds.map((b) => b.name)).toEqual(['file.one', 'file.two']);
    expect(t.builds[0].builder.resolve(runtime(t.builds[0])).config).toEqual({
      content: 'base',
      target: 'one.txt',
    });
    const two = t.builds[1].builder.resolve(runtime(t.builds[1]));
    expect(two.diagnostics.map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      'Duplicate argument: Argument "content" was already set at /t/s.pkr.hcl:2,3-10',
    ]);
    expect(two.diagnostics[0].range?.start.line).toBe(12);
  });

  it("reports structural errors with Packer's wording and a place", () => {
    expect(errors(load({ '/t/t.pkr.hcl': 'sourc "null" "x" {}\n' }))).toEqual([
      'Unsupported block type: Blocks of type "sourc" are not expected here. Did you mean "source"?',
    ]);
    const dup = load({
      '/t/t.pkr.hcl':
        'source "null" "x" { communicator = "none" }\nsource "null" "x" { communicator = "none" }\nbuild { sources = ["source.null.x"] }\n',
    });
    expect(errors(dup)).toEqual([
      'Duplicate source block: This source block has the same builder type and name as a previous block declared at /t/t.pkr.hcl:1,1-18. Each source must have a unique name per builder type.',
    ]);
    const missing = load({
      '/t/t.pkr.hcl': 'source "null" "x" { communicator = "none" }\nbuild { sources = ["source.null.y"] }\n',
    });
    expect(errors(missing)).toEqual(['Unknown source null.y: Did you mean to use "null.x"?']);
    expect(missing.diagnostics[0].range?.start).toMatchObject({ line: 2, column: 20 });
  });

  it('checks variable types, defaults, validations and unset variables', () => {
    const validation = load({
      '/t/t.pkr.hcl': `variable "size" {
  type    = number
  default = 5
  validation {
    condition     = var.size > 10
    error_message = "The size must be greater than 10."
  }
}
`,
    });
    expect(errors(validation)).toEqual([
      'Invalid value for default variable: The size must be greater than 10.\n\nThis was checked by the validation rule at /t/t.pkr.hcl:4,3-13.',
    ]);
    expect(validation.diagnostics[0].range?.start.line).toBe(3);
    const mismatch = load({ '/t/t.pkr.hcl': 'variable "n" {\n  type    = number\n  default = "abc"\n}\n' });
    expect(errors(mismatch)).toEqual([
      "Invalid default value for variable: This default value is not compatible with the variable's type constraint: a number is required.",
    ]);
    const unset = load({ '/t/t.pkr.hcl': 'variable "req" {\n  type = string\n}\n' });
    expect(errors(unset)).toEqual([
      'Unset variable "req": A used variable must be set or have a default value; see https://packer.io/docs/templates/hcl_templates/syntax for details.',
    ]);
  });

  it('keeps Go-template placeholders for the component to render later', () => {
    const t = load({
      '/t/t.pkr.hcl':
        'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n  provisioner "shell" {\n    execute_command = "sudo {{ .Vars }} sh \'{{ .Path }}\'"\n    inline = ["echo $${HOME}"]\n  }\n}\n',
    });
    const p = t.builds[0].provisioners[0].resolve(runtime(t.builds[0])).config;
    expect(p.execute_command).toBe("sudo {{ .Vars }} sh '{{ .Path }}'");
    expect(p.inline).toEqual(['echo ${HOME}']);
  });

  it('makes build variables unknown until the build runs, then real', () => {
    const t = load({
      '/t/t.pkr.hcl':
        'source "null" "x" {\n  communicator = "none"\n}\nbuild {\n  sources = ["null.x"]\n  provisioner "shell-local" {\n    inline = ["echo ${build.Host}"]\n  }\n}\n',
    });
    const plan = t.builds[0];
    const atValidate = plan.provisioners[0].resolve({ ...runtime(plan), generated: undefined }).config.inline;
    expect(Array.isArray(atValidate) && typeof atValidate[0]).toBe('symbol');
    expect(plan.provisioners[0].resolve(runtime(plan, { Host: '127.0.0.1' })).config.inline).toEqual([
      'echo 127.0.0.1',
    ]);
  });

  it('applies a provisioner override for the source it names', () => {
    const t = load({
      '/t/t.pkr.hcl': `source "null" "a" { communicator = "none" }
source "null" "b" { communicator = "none" }
build {
  sources = ["null.a", "null.b"]
  provisioner "shell-local" {
    inline = ["echo base"]
    override = {
      "null.b" = { inline = ["echo b"] }
    }
  }
}
`,
    });
    const [a, b] = t.builds;
    expect(a.provisioners[0].resolve(runtime(a)).config.inline).toEqual(['echo base']);
    expect(b.provisioners[0].resolve(runtime(b)).config.inline).toEqual(['echo b']);
  });

  it('expands dynamic blocks and converts nested blocks', () => {
    const t = load({
      '/t/t.pkr.hcl': `locals { disks = ["a", "b"] }
source "qemu" "x" {
  qemu_img_args {
    create = ["-F", "qcow2"]
  }
  dynamic "disk" {
    for_each = local.disks
    content {
      name = disk.value
    }
  }
}
build { sources = ["qemu.x"] }
`,
    });
    expect(errors(t)).toEqual([]);
    expect(t.builds[0].builder.resolve(runtime(t.builds[0])).config).toEqual({
      qemu_img_args: { create: ['-F', 'qcow2'] },
      disk: [{ name: 'a' }, { name: 'b' }],
    });
  });
});
