/**
 * yamldecode and yamlencode with go-cty-yaml's rules: decoding resolves plain scalars the YAML 1.1 way
 * go-cty-yaml does (`yes`/`on` are true, timestamps become RFC 3339 strings, numbers keep their exact
 * value) over js-yaml's parser; encoding mimics libyaml's emitter as go-cty-yaml drives it (block
 * style, double-quoted strings folded at 80 columns, literal blocks for multi-line strings).
 */
import { eventsToAst, FAILSAFE_SCHEMA, parseEvents, YAMLException, type Node } from 'js-yaml';
import { BigFloat } from '../bignum';
import { goQuote } from '../gostrings';
import { DYNAMIC, STRING } from '../types';
import { NULL_DYNAMIC, Value, numberToString } from '../values';
import { daysIn, formatRFC3339, makeTime } from './gotime';
import { defineFunction, FunctionError } from './spec';

// ---- decoding -----------------------------------------------------------------------------------

const STYLE_SINGLE = 2;
const STYLE_DOUBLE = 3;
const TAG_PREFIX = 'tag:yaml.org,2002:';

const RESOLVE_MAP = new Map<string, Value>();
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'])
  RESOLVE_MAP.set(s, Value.bool(true));
for (const s of ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'])
  RESOLVE_MAP.set(s, Value.bool(false));
for (const s of ['', '~', 'null', 'Null', 'NULL']) RESOLVE_MAP.set(s, NULL_DYNAMIC);
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'])
  RESOLVE_MAP.set(s, Value.number(BigFloat.inf(false, 512)));
for (const s of ['-.inf', '-.Inf', '-.INF']) RESOLVE_MAP.set(s, Value.number(BigFloat.inf(true, 512)));

const INTEGER = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;

/** go-cty-yaml's YAML timestamps: `2006-1-2`, `2006-1-2T15:4:5(.9)Z07:00` (or `t`), `2006-1-2 15:4:5(.9)`. */
function yamlTimestamp(s: string): string | undefined {
  const m =
    /^(\d{4})-(\d{1,2})-(\d{1,2})(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2}))|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d+))?))?$/.exec(
      s,
    );
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(month, year)) return undefined;
  const hour = Number(m[4] ?? m[9] ?? 0);
  const minute = Number(m[5] ?? m[10] ?? 0);
  const second = Number(m[6] ?? m[11] ?? 0);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offset = 0;
  const zone = m[8];
  if (zone && zone !== 'Z')
    offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60 * (zone[0] === '-' ? -1 : 1);
  return formatRFC3339(
    makeTime({ year, month, day, hour, minute, second }, 0, offset, zone && zone !== 'Z' ? '' : 'UTC'),
  );
}

function parseNumber(src: string): Value | undefined {
  const plain = src.replace(/_/g, '');
  const n = BigFloat.parse(plain);
  if (n) return Value.number(n);
  const m = /^([-+]?)0([xXoObB]?)([0-9a-fA-F]+)$/.exec(plain);
  if (m) {
    const radix = { x: 16, X: 16, o: 8, O: 8, b: 2, B: 2, '': 8 }[m[2]]!;
    try {
      const digits = radix === 16 ? '0x' + m[3] : radix === 8 ? '0o' + m[3] : '0b' + m[3];
      const v = BigInt(digits);
      return Value.number(BigFloat.fromBigInt(m[1] === '-' ? -v : v));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** go-cty-yaml resolveScalar. */
function resolveScalar(tag: string, src: string, style: number): Value {
  const known = ['', 'str', 'bool', 'int', 'float', 'null', 'timestamp', 'binary'];
  if (!known.includes(tag))
    throw new FunctionError(`unsupported tag ${goQuote(tag.includes(':') ? tag : '!!' + tag)}`);
  const first = src[0] ?? '';
  const hint =
    src === ''
      ? 'N'
      : /[+-]/.test(first)
        ? 'S'
        : /[0-9]/.test(first)
          ? 'D'
          : /[yYnNtTfFoO~]/.test(first)
            ? 'M'
            : first === '.'
              ? '.'
              : '';
  let resolvedTag = tag;
  if (hint !== '' && tag !== 'str' && tag !== 'binary') {
    if (style === STYLE_SINGLE || style === STYLE_DOUBLE) return Value.string(src);
    const item = RESOLVE_MAP.get(src);
    if (item) return item;
    if (tag === '' && ['.nan', '.NaN', '.NAN'].includes(src))
      throw new FunctionError('floating point NaN is not supported');
    if (hint === '.') {
      const n = BigFloat.parse(src);
      if (n) return Value.number(n);
    } else if (hint === 'D' || hint === 'S') {
      if (tag === '' || tag === 'timestamp') {
        const t = yamlTimestamp(src);
        if (t !== undefined) return Value.string(t);
      }
      if (INTEGER.test(src)) resolvedTag = 'int';
      else if (FLOAT.test(src)) resolvedTag = 'float';
    }
  }
  const fullTag = TAG_PREFIX + resolvedTag;
  switch (resolvedTag) {
    case 'str':
    case 'binary':
      return Value.string(src);
    case 'bool': {
      const item = RESOLVE_MAP.get(src);
      if (!item || item.type.kind !== 'bool')
        throw new FunctionError(`cannot parse ${goQuote(src)} as ${fullTag}`);
      return item;
    }
    case 'int':
    case 'float': {
      const n = parseNumber(src);
      if (!n) throw new FunctionError(`cannot parse ${goQuote(src)} as ${fullTag}`);
      return n;
    }
    case 'timestamp': {
      const t = yamlTimestamp(src);
      if (t === undefined) throw new FunctionError(`cannot parse ${goQuote(src)} as ${fullTag}`);
      return Value.string(t);
    }
    case 'null':
      return NULL_DYNAMIC;
    default:
      return Value.string(src);
  }
}

/** The short name of a standard tag (`str`, `map`...), '' for none, or the tag itself. */
function tagName(node: { tag: string; tagged: boolean }): string {
  if (!node.tagged) return '';
  if (node.tag.startsWith(TAG_PREFIX)) return node.tag.slice(TAG_PREFIX.length);
  if (node.tag.startsWith('!!')) return node.tag.slice(2);
  return node.tag;
}

class YAMLDecoder {
  private readonly anchors = new Map<string, Value | 'pending'>();

  node(n: Node): Value {
    if (n.kind === 'alias') {
      const v = this.anchors.get(n.anchor);
      if (v === 'pending')
        throw new FunctionError(`cannot refer to anchor ${goQuote(n.anchor)} from inside its own definition`);
      if (v === undefined) throw new FunctionError(`reference to undefined anchor ${goQuote(n.anchor)}`);
      return v;
    }
    if (n.anchor) this.anchors.set(n.anchor, 'pending');
    let v: Value;
    if (n.kind === 'scalar') {
      // Block scalars (literal/folded) are never resolved implicitly.
      const style = n.style >= 4 ? STYLE_DOUBLE : n.style;
      v = resolveScalar(tagName(n), n.value, style);
    } else if (n.kind === 'sequence') {
      const tag = tagName(n);
      if (tag !== '' && tag !== 'seq') throw new FunctionError(`can't interpret sequence as ${n.tag}`);
      v = Value.tuple(n.items.map((item) => this.node(item)));
    } else {
      v = this.mapping(n);
    }
    if (n.anchor) this.anchors.set(n.anchor, v);
    return v;
  }

  private mapping(n: Extract<Node, { kind: 'mapping' }>): Value {
    const tag = tagName(n);
    if (tag !== '' && tag !== 'map') throw new FunctionError(`can't interpret mapping as ${n.tag}`);
    const entries = new Map<string, Value>();
    for (const { key, value } of n.items) {
      const isMerge =
        key.kind === 'scalar' &&
        ((!key.tagged && key.value === '<<' && key.style === 1) || tagName(key) === 'merge');
      if (isMerge) {
        const merged = this.node(value);
        const kind = merged.type.kind;
        if (kind === 'object' || kind === 'map') {
          for (const [k, v] of merged.entries()) entries.set(k, v);
        } else if (kind === 'tuple' || kind === 'list') {
          for (const m of merged.elements()) {
            if (m.type.kind !== 'object' && m.type.kind !== 'map') {
              throw new FunctionError(`cannot merge ${m.type.kind} (from sequence) into mapping`);
            }
            for (const [k, v] of m.entries()) entries.set(k, v);
          }
        } else {
          throw new FunctionError(`cannot merge ${kind} into mapping`);
        }
        continue;
      }
      if (key.kind !== 'scalar') throw new FunctionError('only strings are allowed as mapping keys');
      const k = resolveScalar(tagName(key), key.value, key.style >= 4 ? STYLE_DOUBLE : key.style);
      if (k.isNull()) throw new FunctionError('mapping key cannot be null');
      const keyText =
        k.type.kind === 'string'
          ? k.asString()
          : k.type.kind === 'bool'
            ? String(k.asBool())
            : numberToString(k.asNumber());
      entries.set(keyText, this.node(value));
    }
    return Value.object(entries);
  }
}

export function decodeYAML(src: string): Value {
  let docs;
  try {
    docs = eventsToAst(parseEvents(src, {}), { source: src, schema: FAILSAFE_SCHEMA });
  } catch (e) {
    if (e instanceof YAMLException) {
      const where = e.mark ? `on line ${e.mark.line + 1}, column ${e.mark.column + 1}: ` : '';
      throw new FunctionError(`${where}${e.reason}`);
    }
    throw e;
  }
  if (docs.length === 0) throw new FunctionError('on line 1, column 1: missing start of document');
  if (docs.length > 1) throw new FunctionError('on line 1, column 1: unexpected extra content after value');
  const contents = docs[0].contents;
  if (!contents) return NULL_DYNAMIC;
  return new YAMLDecoder().node(contents);
}

export const yamldecode = defineFunction({
  description: 'yamldecode',
  params: [{ name: 'src', type: STRING }],
  returnType: (args) => (args[0].isKnown() ? decodeYAML(args[0].asString()).type : DYNAMIC),
  impl: ([src]) => decodeYAML(src.asString()),
});

// ---- encoding -----------------------------------------------------------------------------------

const BEST_WIDTH = 80;
const BEST_INDENT = 2;

/** libyaml's notion of printable characters (astral characters are escaped). */
function isPrintable(cp: number): boolean {
  return (
    cp === 0x0a ||
    (cp >= 0x20 && cp <= 0x7e) ||
    (cp >= 0xa0 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff)
  );
}

const isBreak = (c: string) => c === '\n' || c === '\r' || c === '\u0085' || c === '\u2028' || c === '\u2029';

class Emitter {
  out = '';
  column = 0;
  /** True right after whitespace or an indicator that needs none after it. */
  whitespace = true;
  openEnded = false;

  write(s: string): void {
    for (const c of s) {
      if (c === '\n') {
        this.out += c;
        this.column = 0;
      } else {
        this.out += c;
        this.column++;
      }
    }
    this.whitespace = s.endsWith(' ');
  }

  newline(): void {
    this.out += '\n';
    this.column = 0;
    this.whitespace = true;
  }

  /** libyaml write_indent: a new line unless already at the indentation on a fresh line. */
  indent(indent: number): void {
    const target = Math.max(indent, 0);
    if (
      this.column > target ||
      (this.column === target && !this.whitespace) ||
      (this.column < target && this.column > 0)
    ) {
      this.newline();
    }
    while (this.column < target) this.write(' ');
    this.whitespace = true;
  }
}

function escapeChar(c: string): string {
  const table: Record<string, string> = {
    '\0': '0',
    '\x07': 'a',
    '\b': 'b',
    '\t': 't',
    '\n': 'n',
    '\v': 'v',
    '\f': 'f',
    '\r': 'r',
    '\x1b': 'e',
    '"': '"',
    '\\': '\\',
    '\u0085': 'N',
    '\u00a0': '_',
    '\u2028': 'L',
    '\u2029': 'P',
  };
  if (c in table) return '\\' + table[c];
  const cp = c.codePointAt(0)!;
  if (cp <= 0xff) return '\\x' + cp.toString(16).toUpperCase().padStart(2, '0');
  if (cp <= 0xffff) return '\\u' + cp.toString(16).toUpperCase().padStart(4, '0');
  return '\\U' + cp.toString(16).toUpperCase().padStart(8, '0');
}

/** libyaml write_double_quoted_scalar: escapes, and folds at spaces past the best width. */
function writeDoubleQuoted(e: Emitter, s: string, indent: number, allowBreaks: boolean): void {
  e.write('"');
  const chars = [...s];
  let spaces = false;
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    const cp = c.codePointAt(0)!;
    if (!isPrintable(cp) || cp === 0xfeff || isBreak(c) || c === '"' || c === '\\') {
      e.write(escapeChar(c));
      spaces = false;
    } else if (c === ' ') {
      if (allowBreaks && !spaces && e.column > BEST_WIDTH && i > 0 && i < chars.length - 1) {
        e.indent(indent);
        if (chars[i + 1] === ' ') e.write('\\');
      } else {
        e.write(' ');
      }
      spaces = true;
    } else {
      e.write(c);
      spaces = false;
    }
  }
  e.write('"');
  e.whitespace = false;
}

/** Whether libyaml would accept a literal block for this text (no trailing spaces, nothing unprintable). */
function blockAllowed(s: string): boolean {
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const cp = chars[i].codePointAt(0)!;
    if (!isPrintable(cp) || cp === 0xfeff) return false;
    if (chars[i] === ' ' && (i === chars.length - 1 || isBreak(chars[i + 1]))) return false;
  }
  return true;
}

function writeLiteral(e: Emitter, s: string, indent: number, root: boolean): void {
  let header = '|';
  if (s[0] === ' ' || isBreak(s[0] ?? '')) header += String(BEST_INDENT);
  if (s === '' || !isBreak(s[s.length - 1])) header += '-';
  else if (s.length === 1 || isBreak(s[s.length - 2])) {
    header += '+';
    if (root) e.openEnded = true;
  }
  e.write(header);
  e.newline();
  let lineStart = true;
  for (const c of s) {
    if (isBreak(c)) {
      e.newline();
      lineStart = true;
      continue;
    }
    if (lineStart) {
      e.write(' '.repeat(Math.max(indent, 0)));
      lineStart = false;
    }
    e.write(c);
  }
  e.whitespace = lineStart;
}

function scalarText(v: Value): string | undefined {
  if (v.isNull()) return 'null';
  switch (v.type.kind) {
    case 'number':
      return numberToString(v.asNumber());
    case 'bool':
      return v.asBool() ? 'true' : 'false';
    default:
      return undefined;
  }
}

function isEmptyCollection(v: Value): boolean {
  return (
    !v.isNull() &&
    v.canIterate() &&
    (v.type.kind === 'map' || v.type.kind === 'object' ? v.entries().length : v.elements().length) === 0
  );
}

/** Emits a value; `indent` is the enclosing block's indentation (-1 at the root). */
function emitNode(
  e: Emitter,
  v: Value,
  indent: number,
  context: 'root' | 'sequence' | 'value' | 'key',
): void {
  if (!v.isKnown()) throw new FunctionError('cannot serialize unknown value as YAML');
  const scalarIndent = indent < 0 ? BEST_INDENT : indent + BEST_INDENT;
  const plain = scalarText(v);
  if (plain !== undefined) {
    e.write(plain);
    e.whitespace = false;
    if (context === 'root') e.openEnded = true;
    return;
  }
  const kind = v.type.kind;
  if (kind === 'string') {
    const s = v.asString();
    if (s.includes('\n') && context !== 'key' && blockAllowed(s))
      writeLiteral(e, s, scalarIndent, context === 'root');
    else writeDoubleQuoted(e, s, scalarIndent, context !== 'key');
    return;
  }
  if (isEmptyCollection(v)) {
    e.write(kind === 'map' || kind === 'object' ? '{}' : '[]');
    e.whitespace = false;
    return;
  }
  if (kind === 'map' || kind === 'object') {
    const mapIndent = indent < 0 ? 0 : indent + BEST_INDENT;
    for (const [key, value] of v.entries()) {
      e.indent(mapIndent);
      const simple = !key.includes('\n') && key.length <= 128;
      if (simple) {
        writeDoubleQuoted(e, key, mapIndent + BEST_INDENT, false);
        e.write(':');
      } else {
        e.write('? ');
        emitNode(e, Value.string(key), mapIndent, 'value');
        e.indent(mapIndent);
        e.write(':');
      }
      emitValue(e, value, mapIndent);
    }
    return;
  }
  const seqIndent = indent < 0 ? 0 : context === 'value' ? indent : indent + BEST_INDENT;
  for (const item of v.elements()) {
    e.indent(seqIndent);
    e.write('- ');
    emitNode(e, item, seqIndent, 'sequence');
  }
}

/** A mapping value: scalars and empty collections on the key's line, blocks below it. */
function emitValue(e: Emitter, value: Value, mapIndent: number): void {
  const block = !value.isNull() && value.isKnown() && value.canIterate() && !isEmptyCollection(value);
  if (!block) e.write(' ');
  emitNode(e, value, mapIndent, 'value');
}

export function encodeYAML(v: Value): string {
  const e = new Emitter();
  emitNode(e, v, -1, 'root');
  if (e.column > 0) e.newline();
  if (e.openEnded) {
    e.write('...');
    e.newline();
  }
  return e.out;
}

export const yamlencode = defineFunction({
  description: 'yamlencode',
  params: [{ name: 'value', type: DYNAMIC, allowNull: true, allowDynamicType: true }],
  returnType: STRING,
  impl([v]) {
    if (!v.isWhollyKnown()) return Value.unknown(STRING);
    return Value.string(encodeYAML(v));
  },
});
