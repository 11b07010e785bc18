/**
 * Whole-pipeline property test: seeded mutations of corpus templates go through load, evaluation and
 * every component's schema (`validateTemplate`), which must never throw and must keep every diagnostic's
 * range inside the file it names. (The parsers have their own, larger, mutation tests.)
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryHost } from './host';
import { validateTemplate } from './validate';

const corpus = resolve(__dirname, '../../../../shared/corpus');
const present = existsSync(corpus);

/** Deterministic PRNG (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  '{',
  '}',
  '[',
  ']',
  '"',
  '${',
  '%{',
  '=',
  '\n',
  ',',
  'var.',
  'local.',
  '<<EOF\n',
  '(',
  ')',
  '...',
  '?',
  ':',
  '#',
  '/*',
  'null',
  '1e999',
  '"{{ user `x` }}"',
];

function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (out.length + 1));
    const len = Math.floor(random() * 12);
    switch (Math.floor(random() * 4)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + len);
        break;
      case 1:
        out = out.slice(0, at) + FRAGMENTS[Math.floor(random() * FRAGMENTS.length)] + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + out.slice(at, at + len) + out.slice(at);
        break;
      default: {
        const other = Math.floor(random() * out.length);
        out = out.slice(0, at) + out.slice(other, other + len) + out.slice(at + len);
      }
    }
  }
  return out;
}

interface Case {
  path: string;
  files: Record<string, string>;
}

function templates(): Case[] {
  const out: Case[] = [];
  for (const entry of readdirSync(corpus)) {
    const dir = join(corpus, entry);
    if (!statSync(dir).isDirectory()) continue;
    const names = readdirSync(dir);
    const hcl = names.filter((n) => n.endsWith('.pkr.hcl'));
    if (hcl.length)
      out.push({
        path: `/t/${entry}`,
        files: Object.fromEntries(hcl.map((n) => [`/t/${entry}/${n}`, readFileSync(join(dir, n), 'utf8')])),
      });
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      out.push({
        path: `/t/${entry}/${n}`,
        files: { [`/t/${entry}/${n}`]: readFileSync(join(dir, n), 'utf8') },
      });
    }
  }
  return out;
}

describe.skipIf(!present)('validateTemplate on mutated corpus templates', () => {
  it('never throws and keeps every range inside its file (1,200 seeded cases)', () => {
    const random = prng(20261122);
    const all = templates();
    let checked = 0;
    for (let i = 0; i < 1200; i++) {
      const t = all[i % all.length];
      const names = Object.keys(t.files);
      const victim = names[Math.floor(random() * names.length)];
      const files = { ...t.files, [victim]: mutate(t.files[victim], random) };
      const host = memoryHost({ files, cwd: '/t' });
      let result;
      try {
        result = validateTemplate(t.path, { vars: [], varFiles: [] }, host);
      } catch (e) {
        throw new Error(
          `validate threw on a mutant of ${victim} (case ${i})\n--- text ---\n${files[victim]}`,
          { cause: e },
        );
      }
      for (const d of result.diagnostics) {
        if (!d.range) continue;
        const text = files[d.range.file];
        expect(
          text,
          `diagnostic names a file that is not part of the template: ${d.range.file}`,
        ).toBeDefined();
        expect(d.range.start.offset).toBeGreaterThanOrEqual(0);
        expect(d.range.start.offset).toBeLessThanOrEqual(d.range.end.offset);
        expect(d.range.end.offset).toBeLessThanOrEqual(text.length);
      }
      checked++;
    }
    expect(checked).toBe(1200);
  }, 180_000);
});
