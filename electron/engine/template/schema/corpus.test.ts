/**
 * The real templates of ../shared/corpus: every component of a type Kiln has must decode without unknown
 * keys (except the removed iso_checksum_type, which must be reported with its fix), and the HCL2 sources
 * of packer-maas, bento, goffinet and rgl must use only keys the schemas know.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNKNOWN, type ConfigObject } from '../config';
import { memoryHost } from '../host';
import type { ComponentKind } from '../model';
import { decodeComponent, findField, getSchema, type DecodeResult, type RenderOutcome } from './index';
import { META_FIELDS } from './meta';
import { locateJson } from './testing/locate';

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

interface Component {
  kind: ComponentKind;
  type: string;
  config: ConfigObject;
}

/** The components of a JSON template (builders, provisioners, post-processor chains). */
function jsonComponents(template: Record<string, unknown>): Component[] {
  const out: Component[] = [];
  const add = (kind: ComponentKind, item: unknown) => {
    if (typeof item === 'string') out.push({ kind, type: item, config: {} });
    else if (item && typeof item === 'object' && !Array.isArray(item)) {
      const config = item as ConfigObject;
      if (typeof config.type === 'string') out.push({ kind, type: config.type, config });
    }
  };
  for (const b of (template.builders as unknown[]) ?? []) add('builder', b);
  for (const p of (template.provisioners as unknown[]) ?? []) add('provisioner', p);
  for (const pp of (template['post-processors'] as unknown[]) ?? []) {
    for (const item of Array.isArray(pp) ? pp : [pp]) add('post-processor', item);
  }
  return out;
}

/** Test stand-in for the Go-template engine: user variables are known, everything else is UNKNOWN. */
function userVariables(template: Record<string, unknown>) {
  const vars = (template.variables ?? {}) as Record<string, unknown>;
  return (text: string): RenderOutcome => {
    const replaced = text.replace(/\{\{\s*user\s+`([^`]*)`\s*\}\}/g, (_m, name: string) =>
      String(vars[name] ?? ''),
    );
    return { value: replaced.includes('{{') ? UNKNOWN : replaced };
  };
}

const JSON_FILES = present ? files(corpus, '.json').filter((f) => !f.endsWith('malformed.json')) : [];
const REMOVED_KEY = /^Deprecated configuration key: 'iso_checksum_type'/;

describe.skipIf(!present)('corpus JSON templates', () => {
  const results: { file: string; component: Component; result: DecodeResult<unknown> }[] = [];
  for (const file of JSON_FILES) {
    const template = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    for (const component of jsonComponents(template)) {
      if (!getSchema(component.kind, component.type)) continue;
      const result = decodeComponent(
        component.kind,
        component.type,
        locateJson(JSON.stringify(component.config)),
        {
          dialect: 'json',
          render: userVariables(template),
          host: memoryHost({ cwd: '/corpus' }),
        },
      );
      results.push({ file: file.slice(corpus.length + 1), component, result });
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
    // windows.json is rejected earlier, at parse time, for its duplicate qemuargs key.
    expect(where).toEqual([
      'jakobadam/ubuntu.json',
      'jakobadam/windows.json',
      'kaorimatz/archlinux-x86_64.json',
      'kaorimatz/centos-7.4-x86_64.json',
      'kaorimatz/debian-9.4-amd64.json',
      'kaorimatz/openbsd-6.3-amd64.json',
      'kaorimatz/ubuntu-16.04-amd64.json',
    ]);
    for (const { result } of removed) {
      expect(result.stage).toBe('decode');
      expect(result.fixes.find((f) => f.key === 'iso_checksum_type')?.set.iso_checksum).toMatch(
        /^\{\{\s*user `iso_checksum_type`\s*\}\}:\{\{\s*user `iso_checksum`\s*\}\}$/,
      );
    }
  });

  it('otherwise fails only on files the corpus does not carry', () => {
    const other = results.flatMap(({ file, component, result }) =>
      result.diagnostics
        .filter((d) => d.severity === 'error' && !REMOVED_KEY.test(d.detail))
        .map((d) => `${file} ${component.type}: ${d.detail.split('\n')[0]}`),
    );
    if (process.env.KILN_SHOW_CORPUS) console.log(other.join('\n'));
    for (const line of other) expect(line).toMatch(/no such file or directory/);
  });
});

/**
 * The top-level keys and nested block names of the blocks of an HCL file, found by tracking braces
 * (enough for key names; values are not evaluated). Returns `<kind> <type>` → keys.
 */
function hclBlockKeys(text: string): { kind: ComponentKind; type: string; keys: string[] }[] {
  const out: { kind: ComponentKind; type: string; keys: string[] }[] = [];
  const header =
    /^\s*(source|provisioner|post-processor|error-cleanup-provisioner|data)\s+"([^"]+)"(?:\s+"[^"]*")?\s*\{\s*$/;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = header.exec(lines[i]);
    if (!m) continue;
    const kind: ComponentKind =
      m[1] === 'source'
        ? 'builder'
        : m[1] === 'data'
          ? 'data'
          : m[1] === 'post-processor'
            ? 'post-processor'
            : 'provisioner';
    const keys: string[] = [];
    let depth = 1;
    for (let j = i + 1; j < lines.length && depth > 0; j++) {
      const line = lines[j].replace(/"(?:[^"\\]|\\.)*"/g, '""').replace(/#.*$|\/\/.*$/, '');
      if (depth === 1) {
        const key = /^\s*([A-Za-z_][\w-]*)\s*(=|\{)/.exec(line);
        if (key) keys.push(key[1]);
      }
      for (const c of line)
        depth += c === '{' || c === '[' || c === '(' ? 1 : c === '}' || c === ']' || c === ')' ? -1 : 0;
    }
    out.push({ kind, type: m[2], keys });
  }
  return out;
}

describe.skipIf(!present)('corpus HCL2 templates', () => {
  const HCL_FILES = present ? files(corpus, '.pkr.hcl') : [];
  it('use only keys the schemas know', () => {
    const unknown: string[] = [];
    let checked = 0;
    for (const file of HCL_FILES) {
      for (const block of hclBlockKeys(readFileSync(file, 'utf8'))) {
        const schema = getSchema(block.kind, block.type);
        if (!schema) continue;
        checked++;
        for (const key of block.keys) {
          if (findField(schema, key) || key in (META_FIELDS[block.kind] ?? {})) continue;
          unknown.push(`${file.slice(corpus.length + 1)} ${block.type}: ${key}`);
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(unknown).toEqual([]);
  });
});
