import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import { hcl2Upgrade } from './hcl2upgrade';
import { formatHcl, hclValue, quoteHcl } from './hclwrite';

const host = memoryHost({ cwd: '/p' });
const upgrade = (json: string, withAnnotations = false) =>
  hcl2Upgrade(json, 't.json', { host, withAnnotations });

const repoRoot = path.resolve(__dirname, '../../../..');
const corpus =
  [path.resolve(repoRoot, '../shared/corpus'), path.resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(repoRoot, '../shared/corpus');
if (!existsSync(corpus)) console.warn(`skipping hcl2_upgrade corpus tests: ${corpus} is absent`);

describe.skipIf(!existsSync(corpus))(
  'the corpus upgrade pairs (packer command/test-fixtures/hcl2_upgrade)',
  () => {
    // The fixtures were made with -with-annotations, except `escaping` (Packer's own test does the same).
    const cases: [string, boolean][] = [
      ['complete', true],
      ['minimal', true],
      ['source-name', true],
      ['error-cleanup-provisioner', true],
      ['escaping', false],
    ];
    it.each(cases)('upgrade-%s/input.json gives expected.pkr.hcl, byte for byte', (name, annotations) => {
      const dir = path.join(corpus, `upgrade-${name}`);
      const result = upgrade(readFileSync(path.join(dir, 'input.json'), 'utf8'), annotations);
      expect(result.hcl).toBe(readFileSync(path.join(dir, 'expected.pkr.hcl'), 'utf8'));
      expect(result.exitCode).toBe(0);
    });
  },
);

describe('hcl2_upgrade', () => {
  it('maps variables, sensitive ones, and template calls; keeps unknown dot-calls for the plugin', () => {
    const r = upgrade(
      JSON.stringify({
        min_packer_version: '1.7.0',
        variables: { iso: 'x.iso', password: '{{env `PASSWORD`}}', stamp: 'v-{{timestamp}}', req: null },
        'sensitive-variables': ['password'],
        builders: [
          {
            type: 'qemu',
            name: 'ubuntu',
            iso_url: '{{user `iso`}}',
            vm_name: 'u-{{timestamp}}-{{user `stamp`}}',
            output_directory: 'output-{{build_name}}',
            boot_command: ['<esc>linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>'],
            qemuargs: [['-m', '2048M']],
            headless: true,
            memory: 2048,
          },
        ],
        provisioners: [
          {
            type: 'shell',
            execute_command: "echo '{{user `password`}}' | sudo -S sh -c '{{ .Vars }} {{ .Path }}'",
            scripts: ['a.sh'],
            pause_before: '90s',
            max_retries: 3,
            only: ['ubuntu'],
          },
          {
            type: 'shell-local',
            inline: ['echo {{isotime "2006"}} {{uuid}} {{template_dir}} {{pwd}} {{packer_version}}'],
          },
        ],
        'post-processors': [
          [{ type: 'compress', keep_input_artifact: true }, 'manifest'],
          { type: 'checksum', name: 'sum' },
        ],
      }),
    );
    expect(r.exitCode).toBe(0);
    expect(r.hcl).toBe(`packer {
  required_version = ">= 1.7.0"
  required_plugins {
    qemu = {
      source  = "github.com/hashicorp/qemu"
      version = "~> 1"
    }
  }
}

variable "iso" {
  type    = string
  default = "x.iso"
}

variable "password" {
  type      = string
  default   = "\${env("PASSWORD")}"
  sensitive = true
}

variable "req" {
  type = string
}

locals { timestamp = regex_replace(timestamp(), "[- TZ:]", "") }
# The "legacy_isotime" function has been provided for backwards compatability, but we recommend switching to the timestamp and formatdate functions.

locals {
  stamp = "v-\${local.timestamp}"
}

source "qemu" "ubuntu" {
  boot_command     = ["<esc>linux ks=http://{{ .HTTPIP }}:{{ .HTTPPort }}/ks.cfg<enter>"]
  headless         = true
  iso_url          = "\${var.iso}"
  memory           = 2048
  output_directory = "output-\${build.name}"
  qemuargs         = [["-m", "2048M"]]
  vm_name          = "u-\${local.timestamp}-\${local.stamp}"
}

build {
  sources = ["source.qemu.ubuntu"]

  provisioner "shell" {
    execute_command = "echo '\${var.password}' | sudo -S sh -c '{{ .Vars }} {{ .Path }}'"
    max_retries     = "3"
    only            = ["ubuntu"]
    pause_before    = "1m30s"
    scripts         = ["a.sh"]
  }

  provisioner "shell-local" {
    inline = ["echo \${legacy_isotime("2006")} \${uuidv4()} \${path.root} \${path.cwd} \${packer.version}"]
  }

  post-processors {
    post-processor "compress" {
      keep_input_artifact = true
    }
    post-processor "manifest" {
    }
  }
  post-processor "checksum" {
    name = "sum"
  }
}
`);
  });

  it('comments blocks it cannot upgrade, and reports unknown builder types', () => {
    const r = upgrade(
      JSON.stringify({
        builders: [{ type: 'mybuilder', name: 'x', a: '{{ if .X }}y{{ end }}' }],
        provisioners: [{ type: 'shell', inline: ['{{ nope }}'] }],
      }),
    );
    // The block text starts with its own blank line, so the comment stands apart, as in Packer.
    expect(r.hcl).toContain('# unhandled node type *parse.IfNode\n\nsource "mybuilder" "x" {');
    expect(r.hcl).toContain(
      '  # could not parse template for following block: "template: hcl2_upgrade:2: function \\"nope\\" not defined"\n  provisioner "shell" {',
    );
    expect(r.exitCode).toBe(1);
    expect(r.messages).toContain(
      'Ignoring following sources.Parse error: unknown builder type(s): [mybuilder]\n',
    );
  });

  it('does not produce HCL for a template Packer cannot parse', () => {
    const r = upgrade('{"builders": [{"type": "null"},]}');
    expect(r.hcl).toBeUndefined();
    expect(r.exitCode).toBe(1);
    expect(r.messages[0]).toMatch(
      /^Failed to parse file as legacy JSON template: .*\nOriginal error: Error parsing JSON: invalid character ']'/s,
    );
  });

  it('writes HCL values and aligns as hclwrite does', () => {
    expect(quoteHcl('a"b\\c\n${x} %{y} $z é\u0001')).toBe('"a\\"b\\\\c\\n$${x} %%{y} $z é\\u0001"');
    expect(hclValue({ 'a-b': 1, 'c d': [true, null], e: {} })).toBe(
      '{\na-b = 1\n"c d" = [true, null]\ne = {}\n}',
    );
    expect(hclValue(0.1)).toBe('0.1');
    expect(hclValue(1e21)).toBe('1000000000000000000000');
    expect(formatHcl('a {\nx = 1\nlonger = "=" \ntags = {\nk = 1\n}\n# c\nz = [1,\n2]\n}')).toBe(
      'a {\n  x      = 1\n  longer = "="\n  tags = {\n    k = 1\n  }\n  # c\n  z = [1,\n  2]\n}',
    );
  });
});
