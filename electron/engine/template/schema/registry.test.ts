import { describe, expect, it } from 'vitest';
import { findPluginBySource, KNOWN_PLUGINS } from './catalogue';
import { componentDocMarkdown, documentedFields, fieldDocMarkdown, findField } from './docs';
import {
  KILN_COMPONENTS,
  availableSentence,
  getSchema,
  lookupComponent,
  type ComponentLookup,
} from './registry';
import type { FieldMap } from './types';

const detailOf = (found: ComponentLookup) => ('detail' in found ? found.detail : '');

describe('lookupComponent', () => {
  it('finds Kiln’s components', () => {
    const found = lookupComponent('builder', 'qemu');
    expect(found.status).toBe('kiln');
    expect(lookupComponent('post-processor', 'shell-local').status).toBe('kiln');
    expect(lookupComponent('data', 'http').status).toBe('kiln');
  });

  it('names the plugin of a component Kiln lacks', () => {
    expect(lookupComponent('builder', 'hyperv-iso')).toMatchObject({
      status: 'plugin',
      summary: 'Unsupported builder type "hyperv-iso"',
      detail:
        'The builder "hyperv-iso" belongs to the hyperv plugin; Kiln cannot build it. Only qemu, null and file builders are buildable.',
    });
    expect(detailOf(lookupComponent('provisioner', 'ansible'))).toBe(
      'The provisioner "ansible" belongs to the ansible plugin; Kiln cannot run it. Only shell, file, shell-local and breakpoint provisioners are available.',
    );
    expect(detailOf(lookupComponent('provisioner', 'powershell'))).toBe(
      'The provisioner "powershell" is built into Packer, not into Kiln; Kiln cannot run it. Only shell, file, shell-local and breakpoint provisioners are available.',
    );
    expect(detailOf(lookupComponent('post-processor', 'vagrant'))).toBe(
      'The post-processor "vagrant" belongs to the vagrant plugin; Kiln cannot run it. Only compress, checksum, manifest, shell-local and artifice post-processors are available.',
    );
    expect(detailOf(lookupComponent('data', 'amazon-ami'))).toBe(
      'The data source "amazon-ami" belongs to the amazon plugin; Kiln cannot evaluate it. Only the http data source is available.',
    );
  });

  it('covers the brief’s list of components Kiln does not have', () => {
    const builders = [
      'amazon-ebs',
      'azure-arm',
      'googlecompute',
      'virtualbox-iso',
      'virtualbox-ovf',
      'vmware-iso',
      'vmware-vmx',
      'hyperv-iso',
      'hyperv-vmcx',
      'proxmox-iso',
      'proxmox-clone',
      'docker',
      'vagrant',
      'lxd',
      'parallels-iso',
      'utm-iso',
    ];
    const provisioners = [
      'ansible',
      'ansible-local',
      'chef-solo',
      'puppet-masterless',
      'salt-masterless',
      'powershell',
      'windows-shell',
      'windows-restart',
      'inspec',
      'goss',
    ];
    const postProcessors = [
      'vagrant',
      'docker-import',
      'docker-push',
      'amazon-ami-management',
      'vagrant-cloud',
    ];
    for (const t of builders) expect(lookupComponent('builder', t).status, t).toBe('plugin');
    for (const t of provisioners) expect(lookupComponent('provisioner', t).status, t).toBe('plugin');
    for (const t of postProcessors) expect(lookupComponent('post-processor', t).status, t).toBe('plugin');
  });

  it('uses Packer’s wording for unknown types, with a close name', () => {
    expect(lookupComponent('builder', 'qemuu')).toMatchObject({
      status: 'unknown',
      suggestion: 'qemu',
      summary: 'Unknown builder type "qemuu"',
      detail: 'Did you mean to use "qemu"?',
      packer166: "error initializing builder 'qemuu': Unknown builder qemuu",
    });
    expect(lookupComponent('provisioner', 'shel', { dialect: 'hcl' })).toMatchObject({
      summary: 'Unknown provisioner type "shel"',
      detail: 'Did you mean to use "shell"?',
    });
    expect(lookupComponent('builder', 'something', { dialect: 'hcl' })).toMatchObject({
      summary: 'Unknown source type something',
      detail:
        'The source something is unknown by Packer, and is likely part of a plugin that is not installed.\n' +
        'You may find the needed plugin along with installation instructions documented on the Packer integrations page.\n\n' +
        'https://developer.hashicorp.com/packer/integrations?filter=something',
    });
    expect(detailOf(lookupComponent('builder', 'foo-bar'))).toContain(
      'The builder foo-bar is unknown by Packer',
    );
    expect(detailOf(lookupComponent('builder', 'foo-bar'))).toContain('?filter=foo');
    expect(detailOf(lookupComponent('provisioner', 'ansibel'))).toBe(
      'Did you mean to use "ansible"? (It belongs to the ansible plugin, which Kiln cannot run.)',
    );
    expect((lookupComponent('data', 'htp', { dialect: 'hcl' }) as { summary: string }).summary).toBe(
      'Unknown data type htp',
    );
    expect(detailOf(lookupComponent('data', 'xyzzy'))).toBe('known data sources: [http]');
  });

  it('lists what is available', () => {
    expect(availableSentence('builder')).toBe('Only qemu, null and file builders are buildable.');
  });
});

describe('plugin sources', () => {
  it('knows which required_plugins Kiln provides', () => {
    expect(findPluginBySource('github.com/hashicorp/qemu')?.providedByKiln).toBe(true);
    expect(findPluginBySource('github.com/hashicorp/virtualbox')).toMatchObject({ name: 'virtualbox' });
    expect(findPluginBySource('github.com/nobody/nothing')).toBeUndefined();
  });
  it('never lists a Kiln component in the catalogue', () => {
    for (const plugin of KNOWN_PLUGINS.filter((p) => !p.providedByKiln)) {
      for (const [kind, types] of Object.entries(plugin.components)) {
        for (const type of types ?? [])
          expect(getSchema(kind as never, type), `${kind} ${type}`).toBeUndefined();
      }
    }
  });
});

describe('schemas', () => {
  it('document every field with a one-line doc, and defaults of the right type', () => {
    const check = (fields: FieldMap, where: string) => {
      for (const [name, field] of Object.entries(fields)) {
        expect(field.doc, `${where}.${name}`).toMatch(/\S/);
        expect(field.doc.includes('\n'), `${where}.${name} doc is one line`).toBe(false);
        const value = field.default?.value;
        if (value !== undefined) {
          const kind = field.type.kind;
          const expected =
            kind === 'string'
              ? 'string'
              : kind === 'bool'
                ? 'boolean'
                : kind === 'list'
                  ? 'object'
                  : 'number';
          expect(typeof value, `${where}.${name} default`).toBe(expected);
        }
        if (field.type.kind === 'object') check(field.type.fields, `${where}.${name}`);
      }
    };
    for (const schema of KILN_COMPONENTS) check(schema.fields as FieldMap, `${schema.kind}.${schema.type}`);
  });

  it('marks the keys Packer leaves out of Prepare-time rendering', () => {
    const qemu = getSchema('builder', 'qemu')!;
    expect(['boot_command', 'boot_steps', 'qemuargs'].map((k) => findField(qemu, k)?.interpolate)).toEqual([
      false,
      false,
      false,
    ]);
    expect(findField(getSchema('provisioner', 'shell')!, 'execute_command')?.interpolate).toBe(false);
    expect(findField(getSchema('provisioner', 'shell-local')!, 'execute_command')?.interpolate).toBe(false);
    expect(findField(getSchema('post-processor', 'compress')!, 'output')?.interpolate).toBe(false);
    expect(findField(getSchema('post-processor', 'checksum')!, 'output')?.interpolate).toBe(false);
    expect(findField(qemu, 'vm_name')?.interpolate).toBeUndefined();
  });

  it('gives the editor completion entries and hover text', () => {
    const shell = getSchema('provisioner', 'shell')!;
    const names = documentedFields(shell).map((e) => e.name);
    expect(names).toContain('inline');
    expect(names).toContain('pause_before');
    expect(documentedFields(getSchema('builder', 'qemu')!).map((e) => e.name)).not.toContain(
      'ssh_public_key',
    );
    expect(findField(getSchema('builder', 'qemu')!, 'qemu_img_args.create')?.type).toEqual({
      kind: 'list',
      of: { kind: 'string' },
    });
    const hover = fieldDocMarkdown('disk_size', findField(getSchema('builder', 'qemu')!, 'disk_size')!);
    expect(hover).toContain('**disk_size** `string`');
    expect(hover).toContain('Default: `40960M`');
    expect(
      fieldDocMarkdown('communicator', findField(getSchema('builder', 'qemu')!, 'communicator')!),
    ).toContain('Allowed: `ssh`, `none`');
    expect(
      fieldDocMarkdown('winrm_username', findField(getSchema('builder', 'null')!, 'winrm_username')!),
    ).toContain('**Kiln:**');
    expect(componentDocMarkdown(getSchema('builder', 'qemu')!)).toMatch(/^\*\*qemu\*\* builder/);
  });
});

describe('key sets', () => {
  // Checked against the HCL2 specs of packer-plugin-qemu 94d9fee5, packer 856572ec and packer-plugin-sdk
  // 24d43aa0 (their `*.hcl2spec.go` files, without the internal packer_* keys): the same keys, no more, no less.
  it('match Packer’s specs', () => {
    const keys = Object.fromEntries(
      KILN_COMPONENTS.map((c) => [
        `${c.kind}:${c.type}`,
        Object.keys(c.fields as FieldMap)
          .sort()
          .join(' '),
      ]),
    );
    expect(keys).toMatchSnapshot();
  });
});
