/**
 * Property test: however a real template is mangled, the parser returns (never throws), and every
 * range it hands out, in the tree and in diagnostics, lies inside the file, with start <= end and a
 * line/column that agree with the offset. Deterministic: a fixed seed drives every mutation.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SourceText, type Range } from '../source';
import { lexHcl } from './lexer';
import { formatHcl } from './fmt';
import { parseHclExpression, parseHclFile, parseHclTemplate } from './parser';

const repoRoot = path.resolve(__dirname, '../../../..');
const corpus =
  [path.resolve(repoRoot, '../shared/corpus'), path.resolve(repoRoot, '../../shared/corpus')].find((p) =>
    existsSync(p),
  ) ?? path.resolve(repoRoot, '../shared/corpus');

const SEED = 0x6b696c6e; // "kiln"
const MUTANTS_PER_FILE = 160;

function hclFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...hclFiles(full));
    else if (name.endsWith('.pkr.hcl') || name.endsWith('.pkrvars.hcl')) out.push(full);
  }
  return out;
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

/** Fragments that matter to the scanner and parser: brackets, quotes, template and heredoc markers... */
const FRAGMENTS = [
  '{',
  '}',
  '[',
  ']',
  '(',
  ')',
  '"',
  '${',
  '%{',
  '}',
  '~}',
  '${~',
  '<<EOT\n',
  '<<-EOT\n',
  'EOT\n',
  '  EOT',
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  '=',
  '==',
  ',',
  '.',
  '.*',
  '[*]',
  '*',
  '...',
  '=>',
  '?',
  ':',
  '::',
  '!',
  '-',
  '#',
  '//',
  '/*',
  '*/',
  '\\',
  '\\u',
  '$$',
  '%%',
  '$${',
  "'",
  '`',
  ';',
  '&',
  '|',
  '^',
  'for',
  'in',
  'if',
  'else',
  'endif',
  'endfor',
  'x',
  '0',
  '1.5',
  '1.',
  'e',
  'null',
  '\u00e9',
  '\u201c',
  '\ufeff',
  '\ud83d\ude00',
  '\ud800',
  'a = 1\n',
  'b {\n',
  '}\n',
  '"${a}"',
  '%{ if x }',
  '%{ endif }',
  '[for x in y: x]',
  '{ a = 1 }',
];

function mutate(text: string, next: () => number): string {
  const pick = (n: number) => Math.floor(next() * n);
  let out = text;
  const ops = 1 + pick(3);
  for (let op = 0; op < ops; op++) {
    const len = out.length;
    const at = pick(len + 1);
    const span = 1 + pick(24);
    switch (pick(7)) {
      case 0: // delete a span
        out = out.slice(0, at) + out.slice(at + span);
        break;
      case 1: // insert a fragment
        out = out.slice(0, at) + FRAGMENTS[pick(FRAGMENTS.length)] + out.slice(at);
        break;
      case 2: {
        // duplicate a span somewhere else
        const from = pick(len + 1);
        out = out.slice(0, at) + out.slice(from, from + span) + out.slice(at);
        break;
      }
      case 3: {
        // swap two spans
        const a = Math.min(at, len);
        const b = pick(len + 1);
        const [lo, hi] = a < b ? [a, b] : [b, a];
        const left = out.slice(lo, lo + span);
        const right = out.slice(hi, hi + span);
        if (lo + span <= hi)
          out = out.slice(0, lo) + right + out.slice(lo + span, hi) + left + out.slice(hi + span);
        break;
      }
      case 4: {
        // delete a whole token
        const toks = lexHcl(out);
        const t = toks[pick(toks.length)];
        out = out.slice(0, t.start) + out.slice(t.end);
        break;
      }
      case 5: {
        // duplicate a token elsewhere
        const toks = lexHcl(out);
        const t = toks[pick(toks.length)];
        out = out.slice(0, at) + out.slice(t.start, t.end) + out.slice(at);
        break;
      }
      case 6: {
        // swap two tokens
        const toks = lexHcl(out);
        let i = pick(toks.length);
        let j = pick(toks.length);
        if (i > j) [i, j] = [j, i];
        const a = toks[i];
        const b = toks[j];
        if (i !== j && a.end <= b.start) {
          out =
            out.slice(0, a.start) +
            out.slice(b.start, b.end) +
            out.slice(a.end, b.start) +
            out.slice(a.start, a.end) +
            out.slice(b.end);
        }
        break;
      }
    }
  }
  return out;
}

/** Every Range object reachable from `root`. */
function collectRanges(root: unknown, out: Range[] = []): Range[] {
  if (root === null || typeof root !== 'object') return out;
  if (Array.isArray(root)) {
    for (const item of root) collectRanges(item, out);
    return out;
  }
  const obj = root as Record<string, unknown>;
  if (typeof obj.file === 'string' && typeof obj.start === 'object' && typeof obj.end === 'object') {
    out.push(obj as unknown as Range);
    return out;
  }
  for (const value of Object.values(obj)) collectRanges(value, out);
  return out;
}

function checkRanges(src: SourceText, ranges: Range[]): string | undefined {
  const len = src.text.length;
  for (const r of ranges) {
    if (r.file !== src.file) return `wrong file ${r.file}`;
    const { start, end } = r;
    if (!(start.offset >= 0 && end.offset <= len && start.offset <= end.offset)) {
      return `range ${start.offset}-${end.offset} outside 0-${len} or reversed`;
    }
    for (const p of [start, end]) {
      const expected = src.pos(p.offset);
      if (expected.line !== p.line || expected.column !== p.column) {
        return `offset ${p.offset} at ${p.line}:${p.column}, expected ${expected.line}:${expected.column}`;
      }
    }
  }
  return undefined;
}

describe('parser property: mangled corpus files', () => {
  const files = existsSync(corpus) ? hclFiles(corpus) : [];
  if (files.length === 0) it.skip(`corpus not found at ${corpus}: property test skipped`, () => {});

  it.skipIf(files.length === 0)(
    `never throws, keeps every range inside the file, formats only whitespace (${MUTANTS_PER_FILE} mutants per corpus file)`,
    () => {
      const next = rng(SEED);
      let cases = 0;
      let withErrors = 0;
      let formattedCases = 0;
      for (const f of files) {
        const original = readFileSync(f, 'utf8');
        for (let i = 0; i < MUTANTS_PER_FILE; i++) {
          const text = mutate(original, next);
          const name = `${path.basename(f)}#${i}`;
          const src = new SourceText(name, text);
          const parsed = parseHclFile(name, text);
          if (parsed.diagnostics.length > 0) withErrors++;
          const problem = checkRanges(src, collectRanges(parsed));
          if (problem) expect.fail(`${name}: ${problem}\n--- input ---\n${text}`);
          // The same text through the other entry points (mostly nonsense to them, which is the point).
          if (i % 4 === 0) {
            const asTemplate = parseHclTemplate(text, name);
            const problemT = checkRanges(src, collectRanges(asTemplate));
            if (problemT) expect.fail(`${name} as template: ${problemT}`);
            const line = text.slice(0, 200);
            const lineSrc = new SourceText(name, line);
            const problemE = checkRanges(lineSrc, collectRanges(parseHclExpression(line, name)));
            if (problemE) expect.fail(`${name} as expression: ${problemE}`);
          }
          // Formatting never throws; when it formats, it changes only whitespace and is stable.
          if (i % 4 === 0) {
            const formatted = formatHcl(text, name);
            if (!formatted.diagnostics.some((d) => d.severity === 'error')) {
              formattedCases++;
              const words = (t: string) => lexHcl(t).map((k) => t.slice(k.start, k.end));
              expect(words(formatted.text)).toEqual(words(text.replace(/^\ufeff/, '')));
              expect(formatHcl(formatted.text, name).text).toBe(formatted.text);
            } else {
              expect(formatted.text).toBe(text);
            }
          }
          cases++;
        }
      }
      expect(cases).toBe(files.length * MUTANTS_PER_FILE);
      // The mutations must actually break things, or the test proves little.
      expect(withErrors).toBeGreaterThan(cases / 2);
      expect(formattedCases).toBeGreaterThan(50);
    },
    120_000,
  );
});
