import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectFormatting, jsonEdits } from './jsonEdits';
import { jsonPipeline } from './jsonStructure';
import { applyEdits } from './types';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
// The corpus sits beside the repository (../shared); a git worktree sits one level deeper.
const corpus = [resolve(repoRoot, '../shared/corpus'), resolve(repoRoot, '../../shared/corpus')].find(
  existsSync,
);
const describeCorpus = corpus ? describe : describe.skip;
if (!corpus) console.warn('skipping corpus tests: ../shared/corpus is absent');
const read = (p: string) => readFileSync(join(corpus!, p), 'utf8');

describeCorpus('JSON pipeline on real templates', () => {
  it('reads builders, provisioners and post-processor chains with their addresses', () => {
    const model = jsonPipeline('focal.json', read('goffinet-json/focal.json'));
    expect(model.sources.map((s) => [s.address, s.type, s.name])).toEqual([
      ['builders[0]', 'qemu', '{{user `name`}}{{user `version`}}'],
    ]);
    const [build] = model.builds;
    expect(build.provisioners.map((p) => [p.address, p.type])).toEqual([
      ['provisioners[0]', 'shell'],
      ['provisioners[1]', 'ansible-local'],
      ['provisioners[2]', 'shell'],
    ]);
    expect(build.postProcessors.map((c) => [c.address, c.chain, c.steps.map((s) => s.address)])).toEqual([
      ['post-processors[0]', false, ['post-processors[0][0]']],
    ]);
    expect(model.variables.map((v) => v.name)).toContain('ssh_password');
    const ansible = build.provisioners[1];
    expect(ansible.attributes.find((a) => a.key === 'playbook_dir')).toMatchObject({
      literal: 'ansible',
      text: '"ansible"',
    });
    expect(ansible.range.start.line).toBe(68);
  });

  it('changes one value and leaves every other byte alone', () => {
    const text = read('goffinet-json/focal.json');
    const out = applyEdits(
      text,
      jsonEdits(text, { op: 'set', address: 'provisioners[1]', key: 'playbook_dir', value: 'roles' }),
    );
    expect(out).toBe(text.replace('"playbook_dir": "ansible"', '"playbook_dir": "roles"'));
  });

  it('adds a key in the file’s own indentation and removes it again', () => {
    const text = read('goffinet-json/focal.json');
    const added = applyEdits(
      text,
      jsonEdits(text, { op: 'set', address: 'provisioners[1]', key: 'extra_arguments', value: ['-v'] }),
    );
    expect(added).toContain(
      '"playbook_dir": "ansible",\n      "extra_arguments": [\n        "-v"\n      ]\n    }',
    );
    const removed = applyEdits(
      added,
      jsonEdits(added, { op: 'unset', address: 'provisioners[1]', key: 'extra_arguments' }),
    );
    expect(removed).toBe(text);
  });

  it('swaps two provisioners by moving their texts between their own slots', () => {
    const text = read('goffinet-json/focal.json');
    const out = applyEdits(text, jsonEdits(text, { op: 'move', address: 'provisioners[2]', to: 1 }));
    const model = jsonPipeline('focal.json', out);
    expect(
      model.builds[0].provisioners.map((p) => p.attributes.find((a) => a.key === 'inline')?.literal),
    ).toEqual([
      expect.arrayContaining(['sudo apt update']),
      expect.arrayContaining(['sudo apt-get clean']),
      undefined,
    ]);
    // Same bytes, reordered: the file's length and its lines outside the array do not change.
    expect(out.length).toBe(text.length);
    expect(out.slice(0, text.indexOf('"provisioners"'))).toBe(text.slice(0, text.indexOf('"provisioners"')));
    expect(out.slice(out.indexOf('"post-processors"'))).toBe(text.slice(text.indexOf('"post-processors"')));
  });

  it('removes a provisioner and adds one at a position', () => {
    const text = read('goffinet-json/focal.json');
    const removed = applyEdits(text, jsonEdits(text, { op: 'remove', address: 'provisioners[1]' }));
    expect(removed).not.toContain('ansible-local');
    expect(jsonPipeline('f.json', removed).builds[0].provisioners).toHaveLength(2);
    const added = applyEdits(
      removed,
      jsonEdits(removed, { op: 'add', build: 'build', role: 'provisioner', type: 'breakpoint', index: 1 }),
    );
    expect(jsonPipeline('f.json', added).builds[0].provisioners.map((p) => p.type)).toEqual([
      'shell',
      'breakpoint',
      'shell',
    ]);
  });

  it('detects the indentation in use', () => {
    expect(detectFormatting(read('kaorimatz/debian-9.4-amd64.json'))).toMatchObject({
      insertSpaces: true,
      tabSize: 2,
    });
  });
});

describe('JSON edits on small templates', () => {
  it('turns a post-processor written as a bare type into an object when it gets a setting', () => {
    const text =
      '{\n  "builders": [{"type": "null"}],\n  "post-processors": ["compress", ["checksum", "manifest"]]\n}\n';
    const out = applyEdits(
      text,
      jsonEdits(text, { op: 'set', address: 'post-processors[0][0]', key: 'output', value: 'x.tar.gz' }),
    );
    expect(jsonPipeline('t.json', out).builds[0].postProcessors[0].steps[0].attributes).toMatchObject([
      { key: 'output', literal: 'x.tar.gz' },
    ]);
    const chain = applyEdits(text, jsonEdits(text, { op: 'move', address: 'post-processors[1][1]', to: 0 }));
    expect(chain).toContain('["manifest", "checksum"]');
  });

  it('disables and re-enables a breakpoint', () => {
    const text =
      '{\n  "builders": [{"type": "null"}],\n  "provisioners": [\n    {\n      "type": "breakpoint"\n    }\n  ]\n}\n';
    const off = applyEdits(
      text,
      jsonEdits(text, { op: 'set-disabled', address: 'provisioners[0]', disabled: true }),
    );
    expect(jsonPipeline('t.json', off).builds[0].provisioners[0].disabled).toBe(true);
    const on = applyEdits(
      off,
      jsonEdits(off, { op: 'set-disabled', address: 'provisioners[0]', disabled: false }),
    );
    expect(on).toBe(text);
  });

  it('names an address that no longer exists', () => {
    expect(() => jsonEdits('{"provisioners": []}', { op: 'remove', address: 'provisioners[3]' })).toThrow(
      'provisioners[3] is not in the template any more',
    );
  });
});
