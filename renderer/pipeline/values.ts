/**
 * Conversions between what a form input holds (text) and template values, by the key's schema type.
 * Parsing returns an error message instead of a value when the text does not fit the type.
 */
import type { FieldType } from '../../electron/engine/template/schema/types';
import type { LiteralValue } from '../../electron/engine/template/language/types';

export type InputKind = 'text' | 'number' | 'bool' | 'select' | 'lines' | 'pairs' | 'expression';

export function inputKind(type: FieldType | undefined, allowed?: readonly string[]): InputKind {
  if (!type) return 'expression';
  if (allowed && allowed.length > 0 && (type.kind === 'string' || type.kind === 'duration')) return 'select';
  switch (type.kind) {
    case 'string':
    case 'duration':
      return 'text';
    case 'int':
    case 'float':
      return 'number';
    case 'bool':
      return 'bool';
    case 'list':
      return type.of.kind === 'string' || type.of.kind === 'duration' ? 'lines' : 'expression';
    case 'map':
      return type.of.kind === 'string' ? 'pairs' : 'expression';
    default:
      return 'expression';
  }
}

/** The text an input shows for a literal value. */
export function formatForInput(kind: InputKind, value: LiteralValue | undefined): string {
  if (value === undefined || value === null) return '';
  switch (kind) {
    case 'lines':
      return Array.isArray(value)
        ? value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('\n')
        : String(value);
    case 'pairs':
      return typeof value === 'object' && !Array.isArray(value)
        ? Object.entries(value)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join('\n')
        : String(value);
    default:
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
}

export type Parsed = { ok: true; value: LiteralValue } | { ok: false; error: string };

/** A form input's text as the value to write. */
export function parseInput(kind: InputKind, text: string, type: FieldType | undefined): Parsed {
  switch (kind) {
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || !Number.isFinite(n)) return { ok: false, error: 'Enter a number.' };
      if (type?.kind === 'int' && !Number.isInteger(n)) return { ok: false, error: 'Enter a whole number.' };
      return { ok: true, value: n };
    }
    case 'bool':
      if (text === 'true' || text === 'false') return { ok: true, value: text === 'true' };
      return { ok: false, error: 'Choose true or false.' };
    case 'lines':
      return { ok: true, value: text.split('\n').filter((l, i, all) => l !== '' || i < all.length - 1) };
    case 'pairs': {
      const out: Record<string, string> = {};
      for (const [i, line] of text.split('\n').entries()) {
        if (!line.trim()) continue;
        const eq = line.indexOf('=');
        if (eq <= 0) return { ok: false, error: `Line ${i + 1}: write key=value.` };
        out[line.slice(0, eq).trim()] = line.slice(eq + 1);
      }
      return { ok: true, value: out };
    }
    default:
      return { ok: true, value: text };
  }
}
