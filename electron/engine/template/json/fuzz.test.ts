import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import { loadJsonTemplate } from './load';
import { inspectJson } from './inspect';

/*
 * Seeded mutation test: every JSON file of the corpus, mutated thousands of times (deterministic
 * seed), must load without throwing, and every diagnostic range must lie inside the file.
 */
const repoRoot = path.resolve(__dirname, '../../../..');
const corpus =
  [path.resolve(repoRoot, '../shared/corpus'), path.resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(repoRoot, '../shared/corpus');

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? jsonFiles(path.join(dir, e.name))
      : e.name.endsWith('.json')
        ? [path.join(dir, e.name)]
        : [],
  );
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SNIPPETS = [
  '{',
  '}',
  '[',
  ']',
  ',',
  ':',
  '"',
  '\\',
  'null',
  'true',
  '1e999',
  '-',
  '{{',
  '}}',
  '{{user `x`}}',
  '{{ .X }}',
  '"type"',
  '"name"',
  '"only"',
  '"override"',
  '"pause_before"',
  '"_c"',
  'é',
  '\u2028',
  '\n',
  '\t',
  ' ',
  '0',
  '"builders"',
  '"variables"',
  '"post-processors"',
  '[[',
  '{}',
  '[]',
];

function mutate(text: string, next: () => number): string {
  let out = text;
  const n = 1 + Math.floor(next() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(next() * (out.length + 1));
    const op = next();
    if (op < 0.3) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(next() * 8));
    else if (op < 0.7)
      out = out.slice(0, at) + SNIPPETS[Math.floor(next() * SNIPPETS.length)] + out.slice(at);
    else if (op < 0.85) {
      // Swap a token-ish span with another place of the file.
      const from = Math.floor(next() * out.length);
      const piece = out.slice(from, from + 1 + Math.floor(next() * 20));
      out = out.slice(0, at) + piece + out.slice(at);
    } else out = out.slice(0, at) + String.fromCharCode(Math.floor(next() * 0x7f)) + out.slice(at + 1);
  }
  return out;
}

type J = null | boolean | number | string | J[] | { [k: string]: J };
const VALUES: J[] = [
  null,
  true,
  0,
  1.5,
  '',
  'x',
  '{{user `x`}}',
  '1x',
  [],
  {},
  ['a'],
  [{}],
  { type: 'null' },
  [['manifest']],
  'null',
];
const KEYS = [
  'type',
  'name',
  'only',
  'except',
  'override',
  'pause_before',
  'max_retries',
  'timeout',
  'keep_input_artifact',
  '_c',
  'builders',
  'variables',
  'sensitive-variables',
  'provisioners',
  'post-processors',
  'error-cleanup-provisioner',
  'min_packer_version',
  'description',
  'push',
  'comments',
  'x',
];

/** Keeps the JSON valid and changes its structure: replace, delete or add values and keys anywhere. */
function mutateValue(v: J, next: () => number, depth = 0): J {
  const pick = <T>(a: T[]) => a[Math.floor(next() * a.length)];
  if (next() < 0.15 || depth > 6) return pick(VALUES);
  if (Array.isArray(v)) {
    const out = v.map((e) => (next() < 0.5 ? mutateValue(e, next, depth + 1) : e));
    if (next() < 0.2) out.push(pick(VALUES));
    if (next() < 0.2) out.splice(Math.floor(next() * out.length), 1);
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: { [k: string]: J } = {};
    for (const [k, e] of Object.entries(v)) {
      if (next() < 0.1) continue;
      out[k] = next() < 0.5 ? mutateValue(e, next, depth + 1) : e;
    }
    if (next() < 0.3) out[pick(KEYS)] = pick(VALUES);
    return out;
  }
  return next() < 0.3 ? pick(VALUES) : v;
}

const files = jsonFiles(corpus);
describe.skipIf(files.length === 0)('JSON loader under mutation', () => {
  it('never throws and keeps every diagnostic range inside the file', () => {
    const next = rng(20260101);
    const host = memoryHost({ cwd: '/p', env: { HOME: '/root' } });
    const started = Date.now();
    let runs = 0;
    let diagnostics = 0;
    const perFile = Math.max(200, Math.floor(16000 / files.length));
    for (const f of files) {
      const original = readFileSync(f, 'utf8');
      for (let i = 0; i < perFile; i++) {
        let text: string;
        if (i % 2 === 0) text = mutate(original, next);
        else {
          let value: J;
          try {
            value = JSON.parse(original) as J;
          } catch {
            value = {};
          }
          text = JSON.stringify(mutateValue(value, next), null, next() < 0.5 ? 2 : undefined);
        }
        const t = loadJsonTemplate('t.json', text, { vars: [], varFiles: [] }, host);
        inspectJson(t);
        for (const b of t.builds) {
          b.builder.resolve({
            buildName: b.name,
            buildBlockName: '',
            builderType: b.builderType,
            sourceName: b.sourceName,
          });
          for (const p of b.provisioners)
            p.resolve({
              buildName: b.name,
              buildBlockName: '',
              builderType: b.builderType,
              sourceName: b.sourceName,
            });
        }
        for (const d of t.diagnostics) {
          diagnostics++;
          if (!d.range) continue;
          expect(d.range.file).toBe('t.json');
          expect(d.range.start.offset).toBeGreaterThanOrEqual(0);
          expect(d.range.end.offset).toBeLessThanOrEqual(text.length);
          expect(d.range.start.offset).toBeLessThanOrEqual(d.range.end.offset);
        }
        runs++;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    console.log(`mutation test: ${runs} templates, ${diagnostics} diagnostics, ${seconds.toFixed(1)} s`);
    expect(runs).toBeGreaterThanOrEqual(10000);
    expect(diagnostics).toBeGreaterThan(0);
  }, 60_000);
});
