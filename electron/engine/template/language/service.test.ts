import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeHost } from '../../node-host';
import type { Diagnostic } from '../source';
import { validateTemplate } from '../validate';
import { templateChecker } from './checker';
import { TemplateWorkspace, minimalEdit } from './service';
import { applyEdits } from './types';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const corpus = [resolve(repoRoot, '../shared/corpus'), resolve(repoRoot, '../../shared/corpus')].find(
  existsSync,
);
const describeCorpus = corpus ? describe : describe.skip;

const template = `variable "release" {
  type        = string
  default     = "noble"
  description = "The Ubuntu release to build."
}

locals {
  image = "ubuntu-\${var.release}"
}

source "qemu" "ubuntu" {
  cpus = 2
  
}

build {
  sources = ["source.qemu.ubuntu"]

  provisioner "shell" {
    inline = ["echo \${local.image}"]
  }
}
`;

function workspace(text = template, file = 'ubuntu.pkr.hcl') {
  const ws = new TemplateWorkspace({ root: '/work/t', kind: 'folder', entry: '.', checker: templateChecker });
  ws.setDocument(file, text);
  ws.setTree([{ path: file, kind: 'file' }]);
  return ws;
}

const at = (text: string, marker: string, delta = 0) => text.indexOf(marker) + delta;

describe('HCL language features', () => {
  it('completes every qemu key, with its type, default and doc, skipping keys already set', () => {
    const ws = workspace();
    const list = ws.complete('ubuntu.pkr.hcl', at(template, '  \n}') + 2);
    const labels = list.items.map((i) => i.label);
    expect(labels).toContain('iso_url');
    expect(labels).toContain('disk_size');
    expect(labels).toContain('qemuargs');
    expect(labels).not.toContain('cpus');
    const memory = list.items.find((i) => i.label === 'memory')!;
    expect(memory.detail).toMatch(/^int/);
    expect(memory.documentation).toMatch(/\*\*memory\*\*/);
    expect(memory.insertText).toBe('memory = $1');
    const block = list.items.find((i) => i.label === 'qemu_img_args')!;
    expect(block.kind).toBe('block');
  });

  it('completes a key being typed, replacing the word', () => {
    const text = template.replace('  cpus = 2\n  \n', '  cpus = 2\n  disk_\n');
    const list = workspace(text).complete('ubuntu.pkr.hcl', at(text, 'disk_') + 5);
    expect(list.to - list.from).toBe(5);
    expect(list.items.map((i) => i.label)).toContain('disk_interface');
  });

  it('completes component types in a label, and variables after var.', () => {
    const text = template.replace('provisioner "shell"', 'provisioner "sh');
    const types = workspace(text).complete('ubuntu.pkr.hcl', at(text, '"sh') + 3);
    expect(types.items.map((i) => i.label)).toEqual(
      expect.arrayContaining(['shell', 'shell-local', 'file', 'breakpoint']),
    );
    const vars = template.replace('cpus = 2', 'cpus = var.');
    const names = workspace(vars).complete('ubuntu.pkr.hcl', at(vars, 'var.') + 4);
    expect(names.items.map((i) => i.label)).toEqual(['release']);
  });

  it('completes the allowed values of a key', () => {
    const text = template.replace('cpus = 2', 'disk_interface = "');
    const list = workspace(text).complete('ubuntu.pkr.hcl', at(text, 'disk_interface = "') + 18);
    expect(list.items.map((i) => i.label)).toContain('virtio-scsi');
  });

  it('completes top-level blocks and build arguments', () => {
    const top = workspace().complete('ubuntu.pkr.hcl', template.length);
    expect(top.items.map((i) => i.label)).toEqual([
      'packer',
      'variable',
      'locals',
      'local',
      'source',
      'data',
      'build',
    ]);
    const text = template.replace('  sources = ', '  na\n  sources = ');
    const build = workspace(text).complete('ubuntu.pkr.hcl', at(text, '  na') + 4);
    expect(build.items.map((i) => i.label)).toEqual(
      expect.arrayContaining(['name', 'provisioner', 'post-processor']),
    );
  });

  it('hovers a key with its doc, a type label with the component doc, and var.x with its declaration', () => {
    const ws = workspace();
    const cpus = ws.hover('ubuntu.pkr.hcl', at(template, 'cpus') + 1)!;
    expect(cpus.markdown).toMatch(/^\*\*cpus\*\* `int`/);
    expect(template.slice(cpus.from, cpus.to)).toBe('cpus');
    expect(ws.hover('ubuntu.pkr.hcl', at(template, '"qemu"') + 2)!.markdown).toMatch(/^\*\*qemu\*\* builder/);
    const v = ws.hover('ubuntu.pkr.hcl', at(template, 'var.release') + 5)!;
    expect(v.markdown).toContain('The Ubuntu release to build.');
    expect(v.markdown).toContain('Default: `"noble"`');
  });

  it('goes to the definitions of var., local. and sources', () => {
    const ws = workspace();
    const [v] = ws.definition('ubuntu.pkr.hcl', at(template, 'var.release') + 5);
    expect(template.slice(v.range.start.offset, v.range.end.offset)).toBe('"release"');
    const [l] = ws.definition('ubuntu.pkr.hcl', at(template, 'local.image') + 7);
    expect(template.slice(l.range.start.offset, l.range.end.offset)).toBe('image');
    const [s] = ws.definition('ubuntu.pkr.hcl', at(template, 'source.qemu.ubuntu') + 9);
    expect(template.slice(s.range.start.offset, s.range.end.offset)).toBe('"qemu"');
  });

  it('lists document symbols for the outline', () => {
    const names = workspace()
      .symbols('ubuntu.pkr.hcl')
      .map((s) => [s.name, s.children.map((c) => c.name)]);
    expect(names).toEqual([
      ['variable "release"', []],
      ['locals', ['image']],
      ['source "qemu" "ubuntu"', []],
      ['build', ['provisioner "shell"']],
    ]);
  });

  it('formats with packer fmt, as one minimal edit, and refuses while there are syntax errors', () => {
    const messy = 'source "null" "x" {\ncommunicator="none"\n}\n';
    const edits = workspace(messy, 'x.pkr.hcl').format('x.pkr.hcl');
    expect(applyEdits(messy, edits)).toBe('source "null" "x" {\n  communicator = "none"\n}\n');
    expect(() => workspace('source "null" {\n', 'x.pkr.hcl').format('x.pkr.hcl')).toThrow(
      /syntax error \(line/,
    );
  });

  it('reports syntax errors as the author types, with their place', () => {
    const ws = workspace(template.replace('cpus = 2', 'cpus = = 2'));
    const outcome = ws.check();
    expect(outcome.complete).toBe(true);
    expect(outcome.diagnostics).toHaveLength(1);
    expect(outcome.diagnostics[0]).toMatchObject({
      severity: 'error',
      range: { file: 'ubuntu.pkr.hcl', start: { line: 12 } },
    });
    expect(ws.pipeline()?.builds[0].provisioners).toHaveLength(1);
  });
});

describe('JSON language features', () => {
  const json =
    '{\n  "builders": [\n    {\n      "type": "qemu",\n      "disk_size": "8G",\n      ""\n    }\n  ]\n}\n';
  it('completes qemu keys at a property key and hovers them', () => {
    const ws2 = new TemplateWorkspace({ root: '/w', kind: 'file', entry: 't.json' });
    ws2.setDocument('t.json', json);
    const list = ws2.complete('t.json', json.indexOf('""') + 1);
    expect(list.items.map((i) => i.label)).toContain('iso_url');
    expect(list.items.map((i) => i.label)).not.toContain('disk_size');
    const hover = ws2.hover('t.json', json.indexOf('disk_size') + 2)!;
    expect(hover.markdown).toMatch(/^\*\*disk_size\*\*/);
  });

  it('completes builder types in "type"', () => {
    const text = '{"builders": [{"type": ""}]}';
    const ws = new TemplateWorkspace({ root: '/w', kind: 'file', entry: 't.json' });
    ws.setDocument('t.json', text);
    expect(ws.complete('t.json', text.indexOf('""') + 1).items.map((i) => i.label)).toEqual([
      'qemu',
      'null',
      'file',
    ]);
  });
});

describe('minimalEdit', () => {
  it('replaces only the differing middle', () => {
    expect(minimalEdit('abcXYZdef', 'abc12def')).toEqual([{ offset: 3, length: 3, text: '12' }]);
    expect(minimalEdit('same', 'same')).toEqual([]);
    expect(applyEdits('aaa', minimalEdit('aaa', 'aaaa'))).toBe('aaaa');
  });
});

/** A workspace over a real folder, fed the way the renderer feeds it: documents up front, files on request. */
function workspaceOver(dir: string): TemplateWorkspace {
  const ws = new TemplateWorkspace({ root: dir, kind: 'folder', entry: '.', checker: templateChecker });
  const tree: { path: string; kind: 'file' | 'dir' }[] = [];
  const walk = (rel: string) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${d.name}` : d.name;
      tree.push({ path, kind: d.isDirectory() ? 'dir' : 'file' });
      if (d.isDirectory()) walk(path);
    }
  };
  walk('');
  ws.setTree(tree);
  for (const e of tree)
    if (!e.path.includes('/') && /\.pkr\.hcl$/.test(e.path))
      ws.setDocument(e.path, readFileSync(join(dir, e.path), 'utf8'));
  return ws;
}

/** Checks until nothing is missing, answering the workspace's requests from disk as the UI does. */
function checkFully(ws: TemplateWorkspace, dir: string) {
  for (let round = 0; round < 20; round++) {
    const outcome = ws.check();
    if (outcome.complete) return outcome;
    for (const f of outcome.missingFiles) {
      const p = join(dir, f);
      ws.files.setFile(f, existsSync(p) && statSync(p).isFile() ? readFileSync(p, 'utf8') : null);
    }
    for (const p of outcome.missingStats)
      ws.files.setStat(p, existsSync(p) ? (statSync(p).isDirectory() ? 'dir' : 'file') : null);
  }
  throw new Error('the check never completed');
}

const brief = (d: Diagnostic) =>
  `${d.severity} ${d.range ? `${d.range.file.replace(/^\.\//, '')}:${d.range.start.line}:${d.range.start.column}` : '-'} ${d.summary}`;

describeCorpus('the language service on the corpus', () => {
  it('says what kiln validate says about every HCL folder', () => {
    let folders = 0;
    for (const dir of readdirSync(corpus!, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const path = join(corpus!, dir.name);
      if (!readdirSync(path).some((f) => f.endsWith('.pkr.hcl'))) continue;
      const editor = checkFully(workspaceOver(path), path).diagnostics.map(brief).sort();
      const cli = validateTemplate(
        '.',
        { vars: [], varFiles: [], collectAll: true },
        nodeHost({ cwd: path, env: {} }),
      )
        .diagnostics.map(brief)
        .sort();
      expect(editor, dir.name).toEqual(cli);
      folders++;
    }
    expect(folders).toBeGreaterThan(8);
  });

  it('answers hover and completion everywhere in every HCL file without throwing', () => {
    let probes = 0;
    for (const dir of readdirSync(corpus!, { withFileTypes: true }).filter((d) => d.isDirectory())) {
      const path = join(corpus!, dir.name);
      const files = readdirSync(path).filter((f) => f.endsWith('.pkr.hcl'));
      if (!files.length) continue;
      const ws = workspaceOver(path);
      for (const f of files) {
        const text = readFileSync(join(path, f), 'utf8');
        for (let offset = 0; offset < text.length; offset += 97) {
          ws.hover(f, offset);
          ws.complete(f, offset);
          ws.definition(f, offset);
          probes++;
        }
      }
    }
    expect(probes).toBeGreaterThan(300);
  });
});
