import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatHcl } from '../hcl/fmt';
import { hclEdits } from './hclEdits';
import { hclPipeline, parseHclDocument, type HclDocument } from './hclStructure';
import { applyEdits, type PipelineEdit } from './types';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const corpus = [resolve(repoRoot, '../shared/corpus'), resolve(repoRoot, '../../shared/corpus')].find(
  existsSync,
);
const describeCorpus = corpus ? describe : describe.skip;
if (!corpus) console.warn('skipping corpus tests: ../shared/corpus is absent');

function folder(dir: string): HclDocument[] {
  const base = join(corpus!, dir);
  return readdirSync(base)
    .filter((f) => f.endsWith('.pkr.hcl'))
    .map((f) => parseHclDocument(f, readFileSync(join(base, f), 'utf8')));
}

/** Applies an edit and returns the documents re-parsed, checking the result still parses cleanly. */
function edit(
  docs: HclDocument[],
  e: PipelineEdit,
): { docs: HclDocument[]; file: string; before: string; after: string } {
  const { file, edits } = hclEdits(docs, e);
  const doc = docs.find((d) => d.file === file)!;
  const after = applyEdits(doc.text, edits);
  const reparsed = parseHclDocument(file, after);
  expect(reparsed.diagnostics, after).toEqual([]);
  return { docs: docs.map((d) => (d.file === file ? reparsed : d)), file, before: doc.text, after };
}

/** The lines of `after` that are not in `before`, and those gone, as multisets. */
function lineDiff(before: string, after: string) {
  const count = (s: string) => {
    const m = new Map<string, number>();
    for (const l of s.split('\n')) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const a = count(before);
  const b = count(after);
  const added: string[] = [];
  const removed: string[] = [];
  for (const [l, n] of b) for (let i = a.get(l) ?? 0; i < n; i++) added.push(l);
  for (const [l, n] of a) for (let i = b.get(l) ?? 0; i < n; i++) removed.push(l);
  return { added, removed };
}

describeCorpus('HCL pipeline on real templates', () => {
  it('reads the sources, builds, provisioners and post-processors of a folder', () => {
    const model = hclPipeline(folder('maas-ubuntu-cloudimg'));
    expect(model.sources.map((s) => s.address)).toEqual(['source.null.dependencies', 'source.qemu.cloudimg']);
    expect(model.builds.map((b) => [b.address, b.name, b.sources.map((s) => s.target)])).toEqual([
      ['build[0]', 'cloudimg.deps', ['source.null.dependencies']],
      ['build[1]', 'cloudimg.image', ['source.qemu.cloudimg']],
    ]);
    const image = model.builds[1];
    expect(image.provisioners.map((p) => [p.address, p.type])).toEqual([
      ['build[1].provisioner[0]', 'shell'],
      ['build[1].provisioner[1]', 'shell'],
      ['build[1].provisioner[2]', 'shell'],
      ['build[1].provisioner[3]', 'file'],
      ['build[1].provisioner[4]', 'shell'],
      ['build[1].provisioner[5]', 'shell'],
    ]);
    expect(image.postProcessors.map((c) => [c.address, c.chain, c.steps.map((s) => s.type)])).toEqual([
      ['build[1].post-processors[0]', false, ['shell-local']],
    ]);
    const file = image.provisioners[3];
    expect(file.attributes.map((a) => [a.key, a.literal])).toEqual([
      ['destination', '/tmp/'],
      ['sources', undefined],
    ]);
    expect(model.variables.map((v) => v.name)).toContain('ubuntu_series');
    expect(model.locals.map((l) => l.name)).toEqual([
      'qemu_arch',
      'qemu_machine',
      'qemu_cpu',
      'iso_checksum',
      'iso_url',
      'proxy_env',
    ]);
  });

  it('reads every HCL folder of the corpus without losing a block', () => {
    for (const dir of readdirSync(corpus!, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)) {
      const docs = readdirSync(join(corpus!, dir)).some((f) => f.endsWith('.pkr.hcl')) ? folder(dir) : [];
      if (!docs.length) continue;
      const model = hclPipeline(docs);
      const builds = docs.reduce((n, d) => n + d.ast.body.blocks.filter((b) => b.type === 'build').length, 0);
      expect(model.builds.length, dir).toBe(builds);
    }
  });
});

describeCorpus('HCL edits on real templates', () => {
  const image = 'build[1].provisioner[3]';

  it('changes one value and nothing else', () => {
    const r = edit(folder('maas-ubuntu-cloudimg'), {
      op: 'set',
      address: image,
      key: 'destination',
      value: '/var/tmp/',
    });
    expect(r.after).toBe(r.before.replace('destination = "/tmp/"', 'destination = "/var/tmp/"'));
  });

  it('adds a key on its own line, aligned like its neighbours, and keeps the file in fmt layout', () => {
    const docs = folder('maas-ubuntu-cloudimg');
    const r = edit(docs, { op: 'set', address: image, key: 'direction', value: 'upload' });
    expect(lineDiff(r.before, r.after)).toEqual({ added: ['    direction   = "upload"'], removed: [] });
    expect(formatHcl(r.after, r.file).text).toBe(r.after);
    const back = edit(r.docs, { op: 'unset', address: image, key: 'direction' });
    expect(back.after).toBe(r.before);
  });

  it('replaces a value written as an expression', () => {
    const r = edit(folder('maas-ubuntu-cloudimg'), {
      op: 'set-expression',
      address: 'build[1].provisioner[1]',
      key: 'scripts',
      expression: '["${path.root}/scripts/customize.sh"]',
    });
    expect(lineDiff(r.before, r.after)).toEqual({
      added: ['    scripts           = ["${path.root}/scripts/customize.sh"]'],
      removed: ['    scripts           = [var.customize_script]'],
    });
  });

  it('swaps two provisioners: the same lines, in another order, comments and blank lines kept', () => {
    const docs = folder('maas-ubuntu-cloudimg');
    const r = edit(docs, { op: 'move', address: 'build[1].provisioner[3]', to: 2 });
    expect(lineDiff(r.before, r.after)).toEqual({ added: [], removed: [] });
    const moved = hclPipeline(r.docs).builds[1].provisioners.map((p) => p.type);
    expect(moved).toEqual(['shell', 'shell', 'file', 'shell', 'shell', 'shell']);
    expect(formatHcl(r.after, r.file).text).toBe(r.after);
  });

  it('removes a provisioner with its lines only', () => {
    const r = edit(folder('maas-ubuntu-cloudimg'), { op: 'remove', address: image });
    const { added, removed } = lineDiff(r.before, r.after);
    expect(added).toEqual([]);
    expect(removed.filter((l) => l.trim()).sort()).toEqual(
      [
        '  provisioner "file" {',
        '    destination = "/tmp/"',
        '    sources     = ["${path.root}/scripts/cloudimg/curtin-hooks"]',
        '  }',
      ].sort(),
    );
    expect(formatHcl(r.after, r.file).text).toBe(r.after);
  });

  it('adds a provisioner after the last one and one at a position', () => {
    const r = edit(folder('maas-ubuntu-cloudimg'), {
      op: 'add',
      build: 'build[1]',
      role: 'provisioner',
      type: 'breakpoint',
    });
    expect(
      hclPipeline(r.docs)
        .builds[1].provisioners.map((p) => p.type)
        .slice(-2),
    ).toEqual(['shell', 'breakpoint']);
    expect(formatHcl(r.after, r.file).text).toBe(r.after);
    const first = edit(r.docs, {
      op: 'add',
      build: 'build[1]',
      role: 'provisioner',
      type: 'shell',
      index: 0,
    });
    expect(hclPipeline(first.docs).builds[1].provisioners[0].attributes).toEqual([]);
    expect(formatHcl(first.after, first.file).text).toBe(first.after);
  });

  it('edits sources and post-processors in a folder of several files', () => {
    const docs = folder('bento');
    const model = hclPipeline(docs);
    const qemu = model.sources.find((s) => s.type === 'qemu');
    expect(qemu).toBeDefined();
    const r = edit(docs, { op: 'set', address: qemu!.address, key: 'cpus', value: 4 });
    expect(r.file).toBe('pkr-sources.pkr.hcl');
    expect(
      hclPipeline(r.docs)
        .sources.find((s) => s.address === qemu!.address)!
        .attributes.find((a) => a.key === 'cpus')!.literal,
    ).toBe(4);
  });
});

describe('HCL edits on small templates', () => {
  const quick = `build {
  sources = ["source.null.x"]

  # Say hello first.
  provisioner "shell-local" {
    inline = ["echo hello"]
  }

  # Then pause.
  provisioner "breakpoint" {
    note = "look around"
  }

  post-processors {
    post-processor "checksum" {}
    post-processor "manifest" {
      output = "m.json"
    }
  }
}

source "null" "x" {}
`;
  const docs = [parseHclDocument('t.pkr.hcl', quick)];

  it('moves a provisioner with the comment above it', () => {
    const r = edit(docs, { op: 'move', address: 'build[0].provisioner[1]', to: 0 });
    expect(r.after).toContain(
      '  # Then pause.\n  provisioner "breakpoint" {\n    note = "look around"\n  }\n\n  # Say hello first.\n  provisioner "shell-local"',
    );
  });

  it('disables and re-enables a breakpoint', () => {
    const off = edit(docs, { op: 'set-disabled', address: 'build[0].provisioner[1]', disabled: true });
    // The group is in fmt layout, so its `=` move to make room for the longer key.
    expect(off.after).toContain('    note    = "look around"\n    disable = true\n');
    expect(formatHcl(off.after, off.file).text).toBe(off.after);
    expect(hclPipeline(off.docs).builds[0].provisioners[1].disabled).toBe(true);
    const on = edit(off.docs, { op: 'set-disabled', address: 'build[0].provisioner[1]', disabled: false });
    expect(on.after).toBe(quick);
  });

  it('opens an empty block to add its first key', () => {
    const r = edit(docs, { op: 'set', address: 'source.null.x', key: 'communicator', value: 'none' });
    expect(r.after.endsWith('source "null" "x" {\n  communicator = "none"\n}\n')).toBe(true);
    const pp = edit(docs, {
      op: 'set',
      address: 'build[0].post-processors[0][0]',
      key: 'output',
      value: 'sums',
    });
    expect(pp.after).toContain('    post-processor "checksum" {\n      output = "sums"\n    }');
  });

  it('reorders the steps of a post-processor chain', () => {
    const r = edit(docs, { op: 'move', address: 'build[0].post-processors[0][1]', to: 0 });
    expect(hclPipeline(r.docs).builds[0].postProcessors[0].steps.map((s) => s.type)).toEqual([
      'manifest',
      'checksum',
    ]);
  });

  it('removes a block and the comment that describes it, leaving single blank lines', () => {
    const r = edit(docs, { op: 'remove', address: 'build[0].provisioner[0]' });
    expect(r.after).toContain('  sources = ["source.null.x"]\n\n  # Then pause.\n');
    expect(r.after).not.toContain('Say hello');
  });

  it('writes lists, maps and strings that need escapes', () => {
    const r = edit(docs, {
      op: 'set',
      address: 'build[0].provisioner[0]',
      key: 'environment_vars',
      value: ['A="quoted"', 'B=${var.x}'],
    });
    expect(r.after).toContain('    environment_vars = ["A=\\"quoted\\"", "B=${var.x}"]');
  });

  it('names an address that no longer exists', () => {
    expect(() => hclEdits(docs, { op: 'remove', address: 'build[0].provisioner[9]' })).toThrow(
      'build[0].provisioner[9] is not in the template any more',
    );
  });
});

describeCorpus('HCL edits over the whole corpus', () => {
  it('keep every file parseable and in fmt layout, and undo exactly', () => {
    let checked = 0;
    for (const dir of readdirSync(corpus!, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)) {
      const docs = folder(dir);
      if (!docs.length) continue;
      const canonical = new Set(
        docs.filter((d) => formatHcl(d.text, d.file).text === d.text).map((d) => d.file),
      );
      const model = hclPipeline(docs);
      const blocks = [
        ...model.sources,
        ...model.builds.flatMap((b) => [...b.provisioners, ...b.postProcessors.flatMap((c) => c.steps)]),
      ];
      for (const block of blocks) {
        const added = edit(docs, { op: 'set', address: block.address, key: 'kiln_probe', value: 'x' });
        if (canonical.has(added.file))
          expect(formatHcl(added.after, added.file).text, `${dir} ${block.address}`).toBe(added.after);
        const undone = edit(added.docs, { op: 'unset', address: block.address, key: 'kiln_probe' });
        expect(undone.after, `${dir} ${block.address}`).toBe(added.before);
        checked++;
      }
      for (const build of model.builds) {
        for (const p of build.provisioners.slice(1)) {
          const moved = edit(docs, { op: 'move', address: p.address, to: 0 });
          expect(lineDiff(moved.before, moved.after), `${dir} ${p.address}`).toEqual({
            added: [],
            removed: [],
          });
          const removed = edit(docs, { op: 'remove', address: p.address });
          expect(
            hclPipeline(removed.docs).builds.find((b) => b.address === build.address)!.provisioners,
          ).toHaveLength(build.provisioners.length - 1);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
