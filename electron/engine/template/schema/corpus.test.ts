/**
 * The real templates of ../shared/corpus: every component of a type Kiln has must decode without unknown
 * keys (except the removed iso_checksum_type, which must be reported with its fix), and the HCL2 sources
 * of packer-maas, bento, goffinet and rgl must use only keys the schemas know.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  InterpolationError,
  packerFuncs,
  parsePackerTemplate,
  placeholderBuildData,
  render,
  type InterpolationContext,
} from '../gotemplate';
import type { Block, Body } from '../hcl/ast';
import { parseHclFile } from '../hcl/syntax';
import { memoryHost } from '../host';
import { jsonComponentContext, loadJsonTemplate } from '../json/load';
import type { ComponentKind } from '../model';
import {
  decodeComponent,
  findField,
  getSchema,
  type DecodeOptions,
  type DecodeResult,
  type RenderOutcome,
} from './index';
import { META_FIELDS } from './meta';

// `../shared/corpus` from the repository root; a worktree under /work/wt/<name> finds it one level higher.
const repoRoot = resolve(__dirname, '../../../..');
const corpus =
  [resolve(repoRoot, '../shared/corpus'), resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? resolve(repoRoot, '../shared/corpus');
const present = existsSync(corpus);
if (!present) console.warn(`corpus tests skipped: ${corpus} is absent`);

function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, ext);
    return path.endsWith(ext) ? [path] : [];
  });
}

type Instance = { kind: ComponentKind; type: string; address: string };

/** Packer's Go-template rendering for one build's components, through Kiln's engine. */
function renderer(ctx: InterpolationContext): Pick<DecodeOptions, 'render' | 'checkTemplate'> {
  return {
    render: (text): RenderOutcome => {
      try {
        return { value: render(text, ctx) };
      } catch (e) {
        if (!(e instanceof InterpolationError)) throw e;
        return { error: e.message, parse: e.phase === 'parse' };
      }
    },
    checkTemplate: (text) => {
      try {
        parsePackerTemplate(text, packerFuncs(ctx));
        return undefined;
      } catch (e) {
        if (e instanceof InterpolationError) return e.message;
        throw e;
      }
    },
  };
}

const JSON_FILES = present ? files(corpus, '.json').filter((f) => !f.endsWith('malformed.json')) : [];
const REMOVED_KEY = /^Deprecated configuration key: 'iso_checksum_type'/;

describe.skipIf(!present)('corpus JSON templates, loaded by the JSON loader', () => {
  const results: { file: string; component: Instance; result: DecodeResult<unknown> }[] = [];
  for (const file of JSON_FILES) {
    const text = readFileSync(file, 'utf8');
    const host = memoryHost({ cwd: dirname(file), files: { [file]: text } });
    const template = loadJsonTemplate(file, text, { vars: [], varFiles: [] }, host);
    // Packer prepares components only once the template itself is valid.
    if (template.diagnostics.some((d) => d.severity === 'error')) continue;
    const seen = new Set<string>();
    for (const build of template.builds) {
      const runtime = {
        buildName: build.name,
        buildBlockName: '',
        builderType: build.builderType,
        sourceName: build.sourceName,
      };
      for (const instance of [build.builder, ...build.provisioners, ...build.postProcessors.flat()]) {
        if (!getSchema(instance.kind, instance.type) || seen.has(`${build.name} ${instance.address}`))
          continue;
        seen.add(`${build.name} ${instance.address}`);
        const resolved = instance.resolve(runtime);
        // Builders see no build data; provisioners and post-processors see Packer's placeholders.
        const data = instance.kind === 'builder' ? undefined : placeholderBuildData();
        const ctx = jsonComponentContext(template, build, data ? { data } : {});
        const result = decodeComponent(instance.kind, instance.type, resolved, {
          dialect: 'json',
          host,
          buildName: build.name,
          ...renderer(ctx),
        });
        results.push({ file: file.slice(corpus.length + 1), component: instance, result });
      }
    }
  }

  it('finds components to check', () => {
    expect(results.length).toBeGreaterThan(20);
  });

  it('knows every key they use', () => {
    const unknown = results.flatMap(({ file, component, result }) =>
      result.diagnostics
        .filter(
          (d) =>
            d.summary === 'Unknown configuration key' ||
            (d.summary.startsWith('Deprecated') && !REMOVED_KEY.test(d.detail)),
        )
        .map((d) => `${file} ${component.kind} ${component.type}: ${d.detail}`),
    );
    expect(unknown).toEqual([]);
  });

  it('reports the removed iso_checksum_type in kaorimatz and jakobadam templates, with the fix', () => {
    const removed = results.filter(({ result }) =>
      result.diagnostics.some((d) => REMOVED_KEY.test(d.detail)),
    );
    const where = [...new Set(removed.map((r) => r.file))].sort();
    // jakobadam/windows.json uses it too but is rejected earlier, at parse time, for its duplicate qemuargs.
    expect(where).toEqual([
      'jakobadam/ubuntu.json',
      'kaorimatz/archlinux-x86_64.json',
      'kaorimatz/centos-7.4-x86_64.json',
      'kaorimatz/debian-9.4-amd64.json',
      'kaorimatz/openbsd-6.3-amd64.json',
      'kaorimatz/ubuntu-16.04-amd64.json',
    ]);
    for (const { result } of removed) {
      expect(result.stage).toBe('decode');
      const diagnostic = result.diagnostics.find((d) => REMOVED_KEY.test(d.detail))!;
      expect(diagnostic.range?.file).toMatch(/\.json$/);
      expect(result.fixes.find((f) => f.key === 'iso_checksum_type')?.set.iso_checksum).toMatch(
        /^\{\{\s*user `iso_checksum_type`\s*\}\}:\{\{\s*user `iso_checksum`\s*\}\}$/,
      );
    }
  });

  it('otherwise fails only on files the corpus does not carry, naming them', () => {
    const other = results.flatMap(({ file, component, result }) =>
      result.diagnostics
        .filter((d) => d.severity === 'error' && !REMOVED_KEY.test(d.detail))
        .map(
          (d) =>
            `${file} ${component.type} ${d.range ? `${d.range.start.line}:${d.range.start.column}` : ''}: ${d.detail.split('\n')[0]}`,
        ),
    );
    if (process.env.KILN_SHOW_CORPUS) console.log(other.join('\n'));
    expect(other.length).toBeGreaterThan(0);
    for (const line of other) expect(line).toMatch(/\d+:\d+: .*no such file or directory/);
  });
});

/** The component blocks of an HCL file (sources, data, and provisioners/post-processors inside builds). */
function hclComponents(file: string, text: string): { kind: ComponentKind; type: string; body: Body }[] {
  const out: { kind: ComponentKind; type: string; body: Body }[] = [];
  const visit = (blocks: Block[]) => {
    for (const block of blocks) {
      const type = block.labels[0]?.value ?? '';
      if (block.type === 'source') out.push({ kind: 'builder', type, body: block.body });
      else if (block.type === 'data') out.push({ kind: 'data', type, body: block.body });
      else if (block.type === 'provisioner' || block.type === 'error-cleanup-provisioner') {
        out.push({ kind: 'provisioner', type, body: block.body });
      } else if (block.type === 'post-processor')
        out.push({ kind: 'post-processor', type, body: block.body });
      else if (block.type === 'build' || block.type === 'post-processors') visit(block.body.blocks);
    }
  };
  const parsed = parseHclFile(file, text);
  expect(parsed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  visit(parsed.file.body.blocks);
  return out;
}

describe.skipIf(!present)('corpus HCL2 templates', () => {
  const HCL_FILES = present ? files(corpus, '.pkr.hcl') : [];
  it('use only keys the schemas know', () => {
    const unknown: string[] = [];
    let checked = 0;
    for (const file of HCL_FILES) {
      for (const block of hclComponents(file, readFileSync(file, 'utf8'))) {
        const schema = getSchema(block.kind, block.type);
        if (!schema) continue;
        checked++;
        const where = `${file.slice(corpus.length + 1)} ${block.kind} ${block.type}`;
        for (const attribute of block.body.attributes) {
          const field = findField(schema, attribute.name) ?? META_FIELDS[block.kind]?.[attribute.name];
          if (!field) unknown.push(`${where}: ${attribute.name}`);
          else if (field.type.kind === 'object' && field.type.hcl === 'block')
            unknown.push(`${where}: ${attribute.name} must be a block`);
        }
        for (const nested of block.body.blocks) {
          const field = findField(schema, nested.type);
          if (!field || field.type.kind !== 'object' || field.type.hcl !== 'block')
            unknown.push(`${where}: block ${nested.type}`);
          else
            for (const a of nested.body.attributes)
              if (!field.type.fields[a.name]) unknown.push(`${where}: ${nested.type}.${a.name}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(40);
    expect(unknown).toEqual([]);
  });
});
