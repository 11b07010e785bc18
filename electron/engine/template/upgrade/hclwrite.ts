/**
 * The small part of hclwrite that hcl2_upgrade needs: HCL literals for JSON values (hclwrite's
 * TokensForValue: quoting, `$${` escapes, objects on several lines) and hclwrite.Format's layout
 * (indentation by nesting depth, `=` aligned in runs of one-line attributes).
 */
import type { JsonValue } from '../json/decode';
import { formatFloatF } from '../json/decode';
import { isPrintable } from '../gotemplate/lexer';

/** hclsyntax.ValidIdentifier. */
export function isIdentifier(s: string): boolean {
  return /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}_-]*$/u.test(s);
}

/** hclwrite's escapeQuotedStringLit, inside double quotes. */
export function quoteHcl(s: string): string {
  let out = '';
  const chars = [...s];
  chars.forEach((ch, i) => {
    switch (ch) {
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '$':
      case '%':
        out += ch;
        if (chars[i + 1] === '{') out += ch;
        break;
      default: {
        const cp = ch.codePointAt(0)!;
        if (!isPrintable(cp)) {
          out +=
            cp < 0x10000
              ? `\\u${cp.toString(16).padStart(4, '0')}`
              : `\\U${cp.toString(16).padStart(8, '0')}`;
        } else out += ch;
      }
    }
  });
  return `"${out}"`;
}

/** hclwrite.TokensForValue of a cty value converted from a JSON value (objects' keys sorted). */
export function hclValue(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return quoteHcl(v);
  if (typeof v === 'number') return formatFloatF(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return `[${v.map(hclValue).join(', ')}]`;
  const keys = Object.keys(v).sort();
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${isIdentifier(k) ? k : quoteHcl(k)} = ${hclValue(v[k])}\n`).join('')}}`;
}

/** Net bracket change of a line, ignoring quoted strings and comments. */
function bracketChange(line: string): { net: number } {
  let net = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '#' || (c === '/' && line[i + 1] === '/')) break;
    if (c === '"') {
      for (i++; i < line.length && line[i] !== '"'; i++) if (line[i] === '\\') i++;
      continue;
    }
    if (c === '{' || c === '[' || c === '(') net++;
    else if (c === '}' || c === ']' || c === ')') net--;
  }
  return { net };
}

/** The position of a line's first `=` outside strings, when its right side is bracket-balanced. */
function assignAt(line: string): number {
  for (let i = 1; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      for (i++; i < line.length && line[i] !== '"'; i++) if (line[i] === '\\') i++;
      continue;
    }
    if (c === '#') return -1;
    if (
      c === '=' &&
      line[i + 1] !== '=' &&
      line[i - 1] !== '=' &&
      line[i - 1] !== '!' &&
      line[i - 1] !== '<' &&
      line[i - 1] !== '>'
    ) {
      return bracketChange(line.slice(i)).net === 0 ? i : -1;
    }
  }
  return -1;
}

/**
 * hclwrite.Format for text made of one-line attributes, blocks and comments: indents two spaces per
 * nesting level and aligns the `=` of consecutive attribute lines.
 */
export function formatHcl(text: string): string {
  const lines = text.split('\n');
  let depth = 0;
  const out: { indent: number; body: string; assign: number }[] = [];
  for (const raw of lines) {
    const body = raw.trim();
    // A line that closes more than it opens is dedented first (hclwrite's rule).
    const { net } = bracketChange(body);
    const indent = Math.max(0, depth + Math.min(0, net));
    depth = Math.max(0, depth + net);
    out.push({ indent, body, assign: body === '' ? -1 : assignAt(body) });
  }
  // Align runs of assignment lines.
  for (let i = 0; i < out.length;) {
    if (out[i].assign < 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < out.length && out[j].assign >= 0) j++;
    const keys = out.slice(i, j).map((l) => l.body.slice(0, l.assign).trimEnd());
    const width = Math.max(...keys.map((k) => [...k].length));
    for (let k = i; k < j; k++) {
      const l = out[k];
      const key = keys[k - i];
      const value = l.body.slice(l.assign + 1).trimStart();
      l.body = `${key}${' '.repeat(width - [...key].length + 1)}= ${value}`;
    }
    i = j;
  }
  return out.map((l) => (l.body === '' ? '' : '  '.repeat(l.indent) + l.body)).join('\n');
}
