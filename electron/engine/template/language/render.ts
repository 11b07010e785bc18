/**
 * Writes form values as template text. Strings are written as HCL quoted templates: quotes, backslashes
 * and control characters are escaped, but `${ }` and `%{ }` are kept, so a value typed in a form can still
 * interpolate a variable, exactly as it would if typed in the text. JSON values go through JSON.stringify.
 */
import type { LiteralValue } from './types';

const IDENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** An HCL quoted string for a template text (interpolations kept). */
export function hclString(text: string): string {
  let out = '"';
  for (const ch of text) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default: {
        const code = ch.codePointAt(0) ?? 0;
        out += code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : ch;
      }
    }
  }
  return out + '"';
}

function hclNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`${n} is not a number HCL can write`);
  return String(n);
}

/** An object key: bare when it is an identifier, quoted otherwise. */
export function hclKey(key: string): string {
  return IDENT.test(key) ? key : hclString(key);
}

/**
 * HCL text for a value. Lists stay on one line while short; objects with more than one key take one line
 * per key, indented one step (two spaces, as `packer fmt` does) from `indent`.
 */
export function hclValue(value: LiteralValue, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return hclString(value);
  if (typeof value === 'number') return hclNumber(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    const items = value.map((v) => hclValue(v, inner));
    const oneLine = `[${items.join(', ')}]`;
    if (oneLine.length <= 80 && !oneLine.includes('\n')) return oneLine;
    return `[\n${items.map((i) => `${inner}${i},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  if (entries.length === 1) {
    const [k, v] = entries[0];
    const one = `{ ${hclKey(k)} = ${hclValue(v, inner)} }`;
    if (one.length <= 80 && !one.includes('\n')) return one;
  }
  const width = Math.max(...entries.map(([k]) => hclKey(k).length));
  const lines = entries.map(([k, v]) => `${inner}${hclKey(k).padEnd(width)} = ${hclValue(v, inner)}`);
  return `{\n${lines.join('\n')}\n${indent}}`;
}
