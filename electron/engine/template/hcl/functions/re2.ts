/**
 * Go's RE2 regular expression syntax translated to JavaScript RegExp, with Go's matching rules where
 * they differ (`.` does not match only `\n`, `\s` is ASCII, `^`/`$` under `(?m)` see only `\n`,
 * `(?U)` swaps greediness, empty matches right after a match are skipped, `$name` expansion).
 * What JavaScript cannot express (a case-insensitive flag group that is not at the very start of the
 * pattern) is refused with a clear error. Syntax errors use Go's error codes.
 */
import { goQuote } from '../gostrings';

export class RE2Error extends Error {
  constructor(
    readonly code: string,
    readonly expr: string,
  ) {
    super(`error parsing regexp: ${code}: \`${expr}\``);
  }
}

/** A pattern Go accepts but JavaScript cannot run the same way. */
export class RE2UnsupportedError extends Error {}

export interface CompiledRE2 {
  regexp: RegExp;
  /** Name of each capture group (index 0 is the whole match); '' for unnamed groups. */
  groupNames: string[];
}

const POSIX: Record<string, string> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const CATEGORIES = new Set(
  'L Lu Ll Lt Lm Lo M Mn Mc Me N Nd Nl No P Pc Pd Ps Pe Pi Pf Po S Sm Sc Sk So Z Zs Zl Zp C Cc Cf Cs Co'.split(
    ' ',
  ),
);

/** Go's `\s`: the ASCII spaces RE2 knows. */
const GO_SPACE = '\\t\\n\\f\\r ';
const NOT_GO_SPACE_RANGES = '\\0-\\x08\\x0B\\x0E-\\x1F!-\\u{10FFFF}';

/** Characters Unicode simple case folding puts together beyond plain upper/lower case. */
const EXTRA_FOLDS: Record<string, string[]> = {
  k: ['\u212a'],
  K: ['\u212a'],
  '\u212a': ['k', 'K'],
  s: ['\u017f'],
  S: ['\u017f'],
  '\u017f': ['s', 'S'],
  '\u00b5': ['\u03bc', '\u039c'],
  '\u03bc': ['\u00b5'],
  '\u039c': ['\u00b5'],
  '\u00e5': ['\u212b'],
  '\u00c5': ['\u212b'],
  '\u212b': ['\u00e5', '\u00c5'],
};

/** The character and its single-character case variants (Go's SimpleFold orbit, near enough). */
function caseVariants(c: string): string[] {
  const out = new Set([c]);
  for (const v of [c.toLowerCase(), c.toUpperCase(), ...(EXTRA_FOLDS[c] ?? [])]) {
    if ([...v].length === 1) out.add(v);
  }
  return [...out];
}

function cp(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16)}}`;
}

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

class Translator {
  private pos = 0;
  private out = '';
  private readonly groupNames: string[] = [''];
  private readonly stack: { flags: Flags; start: number }[] = [];
  private flags: Flags = { i: false, m: false, s: false, U: false };
  private globalIgnoreCase = false;
  /** A literal character; under a local `(?i)` it matches every case variant. */
  private literal(ch: string): string {
    if (!this.flags.i || this.globalIgnoreCase) return cp(ch);
    const variants = caseVariants(ch);
    return variants.length === 1 ? cp(ch) : `[${variants.map(cp).join('')}]`;
  }

  /** A character class range, widened to every case variant under a local `(?i)`. */
  private classRange(lo: string, hi: string): string {
    const from = lo.codePointAt(0)!;
    const to = hi.codePointAt(0)!;
    const plain = from === to ? cp(lo) : `${cp(lo)}-${cp(hi)}`;
    if (!this.flags.i || this.globalIgnoreCase || to - from > 5000) return plain;
    const extra = new Set<string>();
    for (let c = from; c <= to; c++) {
      for (const v of caseVariants(String.fromCodePoint(c))) {
        const vc = v.codePointAt(0)!;
        if (vc < from || vc > to) extra.add(cp(v));
      }
    }
    return plain + [...extra].join('');
  }

  /** Whether the previous item can take a repetition operator. */
  private canRepeat = false;
  /** Whether the previous item was itself a repetition (for the nested repetition error). */
  private lastRepeatStart = -1;

  constructor(private readonly src: string) {}

  translate(): CompiledRE2 {
    this.leadingFlags();
    while (this.pos < this.src.length) this.step();
    if (this.stack.length > 0) throw new RE2Error('missing closing )', this.src);
    const flags = 'u' + (this.globalIgnoreCase ? 'i' : '');
    let regexp: RegExp;
    try {
      regexp = new RegExp(this.out, flags + 'gd');
    } catch (e) {
      throw new RE2UnsupportedError(
        `Kiln could not run the regular expression ${goQuote(this.src)} in JavaScript: ${(e as Error).message}`,
      );
    }
    return { regexp, groupNames: this.groupNames };
  }

  /** A flag group at the very start, like `(?i)` or `(?is)`, becomes JavaScript flags. */
  private leadingFlags(): void {
    const m = /^\(\?([imsU]+)\)/.exec(this.src);
    if (!m) return;
    for (const f of m[1]) {
      if (f === 'i') this.globalIgnoreCase = true;
      else this.flags[f as 'm' | 's' | 'U'] = true;
    }
    this.pos = m[0].length;
  }

  private emitAtom(js: string): void {
    this.out += js;
    this.canRepeat = true;
    this.lastRepeatStart = -1;
  }

  private step(): void {
    const c = this.src[this.pos];
    switch (c) {
      case '(':
        return this.openGroup();
      case ')': {
        const top = this.stack.pop();
        if (!top) throw new RE2Error('unexpected )', this.src);
        this.flags = top.flags;
        this.pos++;
        this.emitAtom(')');
        return;
      }
      case '|':
        this.pos++;
        this.out += '|';
        this.canRepeat = false;
        this.lastRepeatStart = -1;
        return;
      case '*':
      case '+':
      case '?':
        return this.repeat(c, 1);
      case '{': {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) {
          this.pos++;
          this.emitAtom('\\{');
          return;
        }
        const min = Number(m[1]);
        const max = m[2] ? (m[3] === '' ? -1 : Number(m[3])) : min;
        if (min > 1000 || max > 1000 || (max >= 0 && min > max))
          throw new RE2Error('invalid repeat count', m[0]);
        return this.repeat(m[0], m[0].length);
      }
      case '^':
        this.pos++;
        this.emitAtom(this.flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])');
        this.canRepeat = true;
        return;
      case '$':
        this.pos++;
        this.emitAtom(this.flags.m ? '(?![^\\n])' : '(?![\\s\\S])');
        return;
      case '.':
        this.pos++;
        this.emitAtom(this.flags.s ? '[\\s\\S]' : '[^\\n]');
        return;
      case '[':
        return this.charClass();
      case '\\':
        return this.escape();
      default: {
        const ch = String.fromCodePoint(this.src.codePointAt(this.pos)!);
        this.pos += ch.length;
        this.emitAtom(this.literal(ch));
      }
    }
  }

  private repeat(op: string, length: number): void {
    const start = this.pos;
    if (!this.canRepeat) {
      throw new RE2Error('missing argument to repetition operator', this.src.slice(start, start + length));
    }
    if (this.lastRepeatStart >= 0) {
      throw new RE2Error(
        'invalid nested repetition operator',
        this.src.slice(this.lastRepeatStart, start + length),
      );
    }
    this.pos += length;
    let lazy = false;
    if (this.src[this.pos] === '?') {
      lazy = true;
      this.pos++;
    }
    if (this.flags.U) lazy = !lazy;
    this.out += op + (lazy ? '?' : '');
    this.lastRepeatStart = start;
  }

  private openGroup(): void {
    const start = this.pos;
    const rest = this.src.slice(this.pos);
    this.stack.push({ flags: { ...this.flags }, start });
    this.canRepeat = false;
    this.lastRepeatStart = -1;
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (rest.startsWith('(?P<') || rest.startsWith('(?<')) {
      if (!named) throw new RE2Error('invalid named capture', rest);
      const name = named[1];
      if (!/^[A-Za-z0-9_]+$/.test(name) || this.groupNames.includes(name)) {
        throw new RE2Error('invalid named capture', named[0]);
      }
      this.groupNames.push(name);
      this.pos += named[0].length;
      this.out += '(';
      return;
    }
    if (rest.startsWith('(?')) {
      const m = /^\(\?(-?[imsU]*(?:-[imsU]*)?)(:|\))/.exec(rest);
      if (!m || (m[1] === '' && m[2] === ')') || m[1].endsWith('-')) {
        throw new RE2Error('invalid or unsupported Perl syntax', rest.slice(0, Math.min(rest.length, 3)));
      }
      let negate = false;
      const flags = { ...this.flags };
      for (const f of m[1]) {
        if (f === '-') {
          negate = true;
          continue;
        }
        if (f === 'i' && negate && this.globalIgnoreCase) {
          throw new RE2UnsupportedError(
            `Kiln cannot run the regular expression ${goQuote(this.src)}: turning case-insensitive matching off inside a pattern that starts with (?i) has no JavaScript equivalent.`,
          );
        }
        flags[f as 'i' | 'm' | 's' | 'U'] = !negate;
      }
      this.pos += m[0].length;
      if (m[2] === ')') {
        // `(?flags)` applies to the rest of the current group.
        this.stack.pop();
        this.flags = flags;
        return;
      }
      this.flags = flags;
      this.out += '(?:';
      return;
    }
    this.groupNames.push('');
    this.pos++;
    this.out += '(';
  }

  private escape(): void {
    const start = this.pos;
    const c = this.src[this.pos + 1];
    if (c === undefined) throw new RE2Error('trailing backslash at end of expression', '');
    switch (c) {
      case 'A':
        this.pos += 2;
        this.emitAtom('(?<![\\s\\S])');
        return;
      case 'z':
        this.pos += 2;
        this.emitAtom('(?![\\s\\S])');
        return;
      case 'b':
      case 'B':
        this.pos += 2;
        this.emitAtom('\\' + c);
        return;
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos + 2);
        const literal = this.src.slice(this.pos + 2, end < 0 ? undefined : end);
        this.pos = end < 0 ? this.src.length : end + 2;
        for (const ch of literal) this.emitAtom(this.literal(ch));
        return;
      }
    }
    const cls = this.classEscape(start);
    if (cls !== undefined) {
      this.emitAtom(cls.outside);
      return;
    }
    const ch = this.literalEscape(start);
    this.emitAtom(this.literal(ch));
  }

  /** `\d \D \s \S \w \W \pX \p{..} \PX \P{..}` at `start`; advances past it. */
  private classEscape(start: number): { outside: string; inside: string } | undefined {
    const c = this.src[start + 1];
    switch (c) {
      case 'd':
      case 'D':
      case 'w':
      case 'W':
        this.pos = start + 2;
        return { outside: '\\' + c, inside: '\\' + c };
      case 's':
        this.pos = start + 2;
        return { outside: `[${GO_SPACE}]`, inside: GO_SPACE };
      case 'S':
        this.pos = start + 2;
        return { outside: `[^${GO_SPACE}]`, inside: NOT_GO_SPACE_RANGES };
      case 'p':
      case 'P': {
        let name: string;
        let end: number;
        if (this.src[start + 2] === '{') {
          end = this.src.indexOf('}', start + 3);
          if (end < 0) throw new RE2Error('invalid character class range', this.src.slice(start));
          name = this.src.slice(start + 3, end);
          end++;
        } else {
          name = this.src[start + 2] ?? '';
          end = start + 3;
        }
        let negated = c === 'P';
        if (name.startsWith('^')) {
          negated = !negated;
          name = name.slice(1);
        }
        const expr = this.src.slice(start, end);
        if (name === '' || !/^[A-Za-z_]+$/.test(name))
          throw new RE2Error('invalid character class range', expr);
        const property = name === 'Any' ? undefined : CATEGORIES.has(name) ? name : `Script=${name}`;
        try {
          if (property) new RegExp(`\\p{${property}}`, 'u');
        } catch {
          throw new RE2Error('invalid character class range', expr);
        }
        this.pos = end;
        if (!property) {
          return negated
            ? { outside: '[^\\s\\S]', inside: '' }
            : { outside: '[\\s\\S]', inside: '\\0-\\u{10FFFF}' };
        }
        const js = `\\${negated ? 'P' : 'p'}{${property}}`;
        return { outside: js, inside: js };
      }
      default:
        return undefined;
    }
  }

  /** A single-character escape at `start`; advances past it and returns the character. */
  private literalEscape(start: number): string {
    const c = this.src[start + 1];
    const simple: Record<string, string> = { a: '\x07', f: '\f', t: '\t', n: '\n', r: '\r', v: '\v' };
    if (c in simple) {
      this.pos = start + 2;
      return simple[c];
    }
    if (c >= '0' && c <= '7') {
      const m = /^[0-7]{1,3}/.exec(this.src.slice(start + 1))!;
      if (c !== '0' && m[0].length === 1)
        throw new RE2Error('invalid escape sequence', this.src.slice(start, start + 2));
      this.pos = start + 1 + m[0].length;
      return String.fromCodePoint(parseInt(m[0], 8));
    }
    if (c === 'x') {
      const braced = /^\{([0-9A-Fa-f]+)\}/.exec(this.src.slice(start + 2));
      if (braced) {
        const n = parseInt(braced[1], 16);
        if (n > 0x10ffff)
          throw new RE2Error('invalid escape sequence', this.src.slice(start, start + 1 + braced[0].length));
        this.pos = start + 2 + braced[0].length;
        return String.fromCodePoint(n);
      }
      const two = /^[0-9A-Fa-f]{2}/.exec(this.src.slice(start + 2));
      if (!two) throw new RE2Error('invalid escape sequence', this.src.slice(start, start + 4));
      this.pos = start + 4;
      return String.fromCodePoint(parseInt(two[0], 16));
    }
    const code = c.codePointAt(0)!;
    if (code < 0x80 && !/[0-9A-Za-z]/.test(c)) {
      this.pos = start + 2;
      return c;
    }
    const ch = String.fromCodePoint(this.src.codePointAt(start + 1)!);
    throw new RE2Error('invalid escape sequence', '\\' + ch);
  }

  private charClass(): void {
    const start = this.pos;
    this.pos++;
    let negated = false;
    if (this.src[this.pos] === '^') {
      negated = true;
      this.pos++;
    }
    let body = '';
    let first = true;
    while (true) {
      if (this.pos >= this.src.length) throw new RE2Error('missing closing ]', this.src.slice(start));
      const c = this.src[this.pos];
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.src[this.pos + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        if (m) {
          const ranges = POSIX[m[2]];
          if (!ranges) throw new RE2Error('invalid character class range', m[0]);
          body += m[1] ? complementASCII(ranges) : ranges;
          this.pos += m[0].length;
          continue;
        }
      }
      if (c === '\\') {
        const cls = this.classEscape(this.pos);
        if (cls !== undefined) {
          body += cls.inside;
          continue;
        }
      }
      const lo = this.classChar();
      if (this.src[this.pos] === '-' && this.src[this.pos + 1] !== ']' && this.pos + 1 < this.src.length) {
        const rangeStart = this.pos - lo.length;
        this.pos++;
        const hi = this.classChar();
        if (hi.codePointAt(0)! < lo.codePointAt(0)!) {
          throw new RE2Error(
            'invalid character class range',
            this.src.slice(rangeStart - (this.src[rangeStart - 1] === '\\' ? 1 : 0), this.pos),
          );
        }
        body += this.classRange(lo, hi);
      } else {
        body += this.classRange(lo, lo);
      }
    }
    this.emitAtom(`[${negated ? '^' : ''}${body}]`);
  }

  private classChar(): string {
    if (this.src[this.pos] === '\\') {
      if (this.pos + 1 >= this.src.length) throw new RE2Error('trailing backslash at end of expression', '');
      return this.literalEscape(this.pos);
    }
    const ch = String.fromCodePoint(this.src.codePointAt(this.pos)!);
    this.pos += ch.length;
    return ch;
  }
}

/** The complement of ASCII ranges written like POSIX above, as ranges over all of Unicode. */
function complementASCII(ranges: string): string {
  const included = new Array<boolean>(128).fill(false);
  const re = new RegExp(`[${ranges}]`, 'u');
  for (let i = 0; i < 128; i++) included[i] = re.test(String.fromCharCode(i));
  let out = '';
  let i = 0;
  while (i < 128) {
    if (included[i]) {
      i++;
      continue;
    }
    const start = i;
    while (i < 128 && !included[i]) i++;
    out += `\\u{${start.toString(16)}}-\\u{${(i - 1).toString(16)}}`;
  }
  return out + '\\u{80}-\\u{10FFFF}';
}

const cache = new Map<string, CompiledRE2>();

/** Compiles an RE2 pattern; throws RE2Error (Go's syntax errors) or RE2UnsupportedError. */
export function compileRE2(pattern: string): CompiledRE2 {
  let compiled = cache.get(pattern);
  if (!compiled) {
    compiled = new Translator(pattern).translate();
    if (cache.size > 200) cache.clear();
    cache.set(pattern, compiled);
  }
  return compiled;
}

/** One match: `[start, end]` of the whole match and of each group (-1 when a group did not take part). */
export type MatchIndexes = number[];

function execAt(re: RegExp, s: string, pos: number): MatchIndexes | undefined {
  re.lastIndex = pos;
  const m = re.exec(s);
  if (!m || !m.indices) return undefined;
  const out: number[] = [];
  for (const pair of m.indices) {
    if (pair) out.push(pair[0], pair[1]);
    else out.push(-1, -1);
  }
  return out;
}

/** Width in code units of the character at `pos`. */
function charWidth(s: string, pos: number): number {
  const c = s.codePointAt(pos);
  return c === undefined ? 0 : c > 0xffff ? 2 : 1;
}

/** Go's FindStringSubmatchIndex. */
export function findFirst(compiled: CompiledRE2, s: string): MatchIndexes | undefined {
  return execAt(compiled.regexp, s, 0);
}

/** Go's FindAllStringSubmatchIndex(s, -1): an empty match right after the previous match is skipped. */
export function findAll(compiled: CompiledRE2, s: string): MatchIndexes[] {
  const out: MatchIndexes[] = [];
  let pos = 0;
  let prevEnd = -1;
  while (pos <= s.length) {
    const m = execAt(compiled.regexp, s, pos);
    if (!m) break;
    let accept = true;
    if (m[1] === m[0]) {
      if (m[0] === prevEnd) accept = false;
      pos = m[0] + Math.max(charWidth(s, m[0]), 1);
    } else {
      pos = m[1];
    }
    prevEnd = m[1];
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.ReplaceAllString, with `$1`, `${1}`, `$name`, `${name}` and `$$` in the replacement. */
export function replaceAll(compiled: CompiledRE2, s: string, template: string): string {
  let out = '';
  let lastEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = execAt(compiled.regexp, s, searchPos);
    if (!m) break;
    out += s.slice(lastEnd, m[0]);
    if (m[1] > lastEnd || m[0] === 0) out += expand(compiled, template, s, m);
    lastEnd = m[1];
    const width = charWidth(s, searchPos);
    if (searchPos + width > m[1]) searchPos += width;
    else if (searchPos + 1 > m[1]) searchPos++;
    else searchPos = m[1];
  }
  return out + s.slice(lastEnd);
}

function expand(compiled: CompiledRE2, template: string, s: string, m: MatchIndexes): string {
  let out = '';
  let rest = template;
  while (rest.length > 0) {
    const dollar = rest.indexOf('$');
    if (dollar < 0) break;
    out += rest.slice(0, dollar);
    rest = rest.slice(dollar + 1);
    if (rest.startsWith('$')) {
      out += '$';
      rest = rest.slice(1);
      continue;
    }
    let name: string | undefined;
    let consumed = 0;
    if (rest.startsWith('{')) {
      const close = rest.indexOf('}');
      const inner = close > 1 ? rest.slice(1, close) : '';
      if (inner !== '' && /^[A-Za-z0-9_]+$/.test(inner)) {
        name = inner;
        consumed = close + 1;
      }
    } else {
      const w = /^[A-Za-z0-9_]+/.exec(rest);
      if (w) {
        name = w[0];
        consumed = w[0].length;
      }
    }
    if (name === undefined) {
      out += '$';
      continue;
    }
    rest = rest.slice(consumed);
    let group = -1;
    if (/^\d+$/.test(name)) {
      const n = Number(name);
      if (n < 1e8) group = n;
    } else {
      group = compiled.groupNames.indexOf(name);
    }
    if (group >= 0 && 2 * group + 1 < m.length && m[2 * group] >= 0)
      out += s.slice(m[2 * group], m[2 * group + 1]);
  }
  return out + rest;
}
