/**
 * Small pieces the function library shares: Go-compatible integer extraction, grapheme clusters,
 * per-code-point case mapping, and POSIX path handling like Go's path/filepath on Linux.
 */
import type { BigFloat } from '../bignum';
import { Value } from '../values';
import { FunctionError } from './spec';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** gocty's conversion of a number to a Go `int`, with its error text. */
export function toInt(n: BigFloat | Value): number {
  const bf = n instanceof Value ? n.asNumber() : n;
  const i = bf.toBigInt();
  if (!i || i.accuracy !== 0 || i.value < INT64_MIN || i.value > INT64_MAX) {
    throw new FunctionError(`value must be a whole number, between ${INT64_MIN} and ${INT64_MAX}`);
  }
  return Number(i.value);
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The user-perceived characters of a string (what cty counts and slices). */
export function graphemes(s: string): string[] {
  return Array.from(segmenter.segment(s), (x) => x.segment);
}

/** Go's `strings.ToUpper`: simple per-character mapping, never changing the character count. */
export function goUpper(s: string): string {
  return mapChars(s, (c) => c.toUpperCase());
}

export function goLower(s: string): string {
  // U+0130's simple lowercase is plain "i"; JavaScript only offers the full mapping "i̇".
  return mapChars(s, (c) => (c === '\u0130' ? 'i' : c.toLowerCase()));
}

function mapChars(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += [...m].length === 1 ? m : c;
  }
  return out;
}

/** Go's `unicode.IsSpace`. */
export function isGoSpace(c: string): boolean {
  return /^\p{White_Space}$/u.test(c);
}

/** Go's `strings.TrimSpace`. */
export function goTrimSpace(s: string): string {
  return s.replace(/^\p{White_Space}+|\p{White_Space}+$/gu, '');
}

/** Go's `strings.Title`: upper-cases the first letter of each word. */
export function goTitle(s: string): string {
  let prev = ' ';
  let out = '';
  for (const c of s) {
    out += isTitleSeparator(prev) ? titleCase(c) : c;
    prev = c;
  }
  return out;
}

function titleCase(c: string): string {
  const t = c.toUpperCase();
  return [...t].length === 1 ? t : c;
}

function isTitleSeparator(c: string): boolean {
  const cp = c.codePointAt(0)!;
  if (cp <= 0x7f) {
    if (/[0-9a-zA-Z_]/.test(c)) return false;
    return true;
  }
  if (/\p{L}|\p{Nd}/u.test(c)) return false;
  return isGoSpace(c);
}

// ---- paths (Go path/filepath on a POSIX system) -------------------------------------------------

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

/** Go's `filepath.Clean`. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}

/** Go's `filepath.Join`: joins the non-empty parts and cleans the result. */
export function joinPath(...parts: string[]): string {
  const nonEmpty = parts.filter((x) => x !== '');
  return nonEmpty.length === 0 ? '' : cleanPath(nonEmpty.join('/'));
}

/** Go's `filepath.Base`. */
export function basePath(p: string): string {
  if (p === '') return '.';
  const trimmed = p.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/** Go's `filepath.Dir`. */
export function dirPath(p: string): string {
  const i = p.lastIndexOf('/');
  return cleanPath(p.slice(0, i + 1));
}

/** Go's `filepath.Rel` for two cleaned absolute or two cleaned relative paths. */
export function relativePath(base: string, target: string): string {
  const b = cleanPath(base)
    .split('/')
    .filter((x) => x !== '' && x !== '.');
  const t = cleanPath(target)
    .split('/')
    .filter((x) => x !== '' && x !== '.');
  let i = 0;
  while (i < b.length && i < t.length && b[i] === t[i]) i++;
  const up = b.slice(i).map(() => '..');
  const rest = t.slice(i);
  const joined = [...up, ...rest].join('/');
  return joined === '' ? '.' : joined;
}

// ---- bytes ----------------------------------------------------------------------------------------

export function utf8Encode(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** Decodes UTF-8, or returns undefined when the bytes are not valid UTF-8. */
export function utf8Decode(bytes: Uint8Array): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function base64Encode(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.length ? B64[n & 63] : '=';
  }
  return out;
}

/**
 * Go's `base64.StdEncoding.DecodeString`: padding required, no whitespace other than CR/LF (which
 * Go skips). Returns the offset of the first bad byte on failure.
 */
export function base64Decode(s: string): { bytes: Uint8Array } | { badOffset: number } {
  const out: number[] = [];
  const chars: number[] = [];
  const positions: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\r' || c === '\n') continue;
    chars.push(c === '=' ? -1 : B64.indexOf(c));
    positions.push(i);
    if (c !== '=' && B64.indexOf(c) < 0) return { badOffset: i };
  }
  if (chars.length % 4 !== 0) return { badOffset: s.length - (chars.length % 4) };
  for (let i = 0; i < chars.length; i += 4) {
    const [a, b, c, d] = chars.slice(i, i + 4);
    if (a < 0 || b < 0) return { badOffset: positions[a < 0 ? i : i + 1] };
    const last = i + 4 === chars.length;
    if (c < 0 && (d >= 0 || !last)) return { badOffset: positions[i + 2] };
    if (d < 0 && !last) return { badOffset: positions[i + 3] };
    out.push((a << 2) | (b >> 4));
    if (c >= 0) out.push(((b & 15) << 4) | (c >> 2));
    if (c >= 0 && d >= 0) out.push(((c & 3) << 6) | d);
  }
  return { bytes: Uint8Array.from(out) };
}

export function hexEncode(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
