/**
 * JSON as cty does it (cty/json): objects and maps with sorted keys, numbers in plain decimal, Go's
 * string escaping (including `<`, `>`, `&`), and decoding to objects and tuples with exact numbers.
 * Decoding errors use the words of Go's encoding/json.
 */
import { BigFloat } from '../bignum';
import { goQuote } from '../gostrings';
import { DYNAMIC, STRING } from '../types';
import { NULL_DYNAMIC, Value, ValueError, numberToString, type Path } from '../values';
import { defineFunction, FunctionError } from './spec';

/** Go's encoding/json string escaping (HTML-safe). */
export function goJSONString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case '\\':
        out += '\\\\';
        continue;
      case '\n':
        out += '\\n';
        continue;
      case '\r':
        out += '\\r';
        continue;
      case '\t':
        out += '\\t';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
        continue;
      case '<':
      case '>':
      case '&':
        out += '\\u00' + cp.toString(16);
        continue;
    }
    if (cp < 0x20) out += '\\u' + cp.toString(16).padStart(4, '0');
    else if (cp === 0x2028 || cp === 0x2029) out += '\\u' + cp.toString(16);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** cty's json.Marshal of a value as its own type; throws ValueError for unknown or infinite values. */
export function marshalJSON(value: Value, path: Path = []): string {
  if (value.isMarked()) throw new ValueError('value has marks, so it cannot be serialized as JSON', path);
  if (!value.isKnown()) throw new ValueError('value is not known', path);
  if (value.isNull()) return 'null';
  const t = value.type;
  switch (t.kind) {
    case 'string':
      return goJSONString(value.asString());
    case 'number': {
      const n = value.asNumber();
      if (n.isInf) throw new ValueError('cannot serialize infinity as JSON', path);
      return numberToString(n);
    }
    case 'bool':
      return value.asBool() ? 'true' : 'false';
    case 'list':
    case 'set':
    case 'tuple':
      return (
        '[' +
        value
          .elements()
          .map((e, i) => marshalJSON(e, [...path, { kind: 'index', key: Value.number(i) }]))
          .join(',') +
        ']'
      );
    case 'map':
    case 'object':
      return (
        '{' +
        value
          .entries()
          .map(([k, e]) => {
            const step =
              t.kind === 'map'
                ? { kind: 'index' as const, key: Value.string(k) }
                : { kind: 'attr' as const, name: k };
            return `${goJSONString(k)}:${marshalJSON(e, [...path, step])}`;
          })
          .join(',') +
        '}'
      );
    default:
      throw new ValueError(`cannot JSON-serialize ${t.kind}`, path);
  }
}

export const jsonencode = defineFunction({
  description: 'jsonencode',
  params: [{ name: 'val', type: DYNAMIC, allowDynamicType: true, allowNull: true }],
  returnType: STRING,
  impl([value]) {
    if (!value.isWhollyKnown()) return Value.unknown(STRING);
    if (value.isNull()) return Value.string('null');
    try {
      return Value.string(marshalJSON(value));
    } catch (e) {
      if (e instanceof ValueError) throw new FunctionError(e.message);
      throw e;
    }
  },
});

export const jsondecode = defineFunction({
  description: 'jsondecode',
  params: [{ name: 'str', type: STRING }],
  returnType: (args) => (args[0].isKnown() ? decodeJSON(args[0].asString()).type : DYNAMIC),
  impl: ([s]) => decodeJSON(s.asString()),
});

// ---- decoding -------------------------------------------------------------------------------------

/** Go's quoteChar, used in encoding/json syntax errors. */
function quoteChar(c: string): string {
  if (c === "'") return `'\\''`;
  if (c === '"') return `'"'`;
  const q = goQuote(c);
  return "'" + q.slice(1, -1) + "'";
}

class JSONReader {
  private pos = 0;

  constructor(private readonly text: string) {}

  private fail(message: string): never {
    throw new FunctionError(message);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && ' \t\r\n'.includes(this.text[this.pos])) this.pos++;
  }

  private peekChar(): string | undefined {
    const cp = this.text.codePointAt(this.pos);
    return cp === undefined ? undefined : String.fromCodePoint(cp);
  }

  document(): Value {
    this.skipSpace();
    if (this.pos >= this.text.length) this.fail('EOF');
    const v = this.value('looking for beginning of value');
    this.skipSpace();
    if (this.pos < this.text.length) this.fail('extraneous data after JSON object');
    return v;
  }

  private value(context: string): Value {
    this.skipSpace();
    const c = this.peekChar();
    if (c === undefined) this.fail('EOF');
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return Value.string(this.string());
      case 't':
        this.literal('true');
        return Value.bool(true);
      case 'f':
        this.literal('false');
        return Value.bool(false);
      case 'n':
        this.literal('null');
        return NULL_DYNAMIC;
    }
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    return this.fail(`invalid character ${quoteChar(c)} ${context}`);
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      const c = this.text[this.pos + i];
      if (c === undefined) this.fail('unexpected EOF');
      if (c !== word[i])
        this.fail(`invalid character ${quoteChar(c)} in literal ${word} (expecting ${quoteChar(word[i])})`);
    }
    this.pos += word.length;
    this.afterValue();
  }

  /** A value must be followed by a delimiter, space, or the end. */
  private afterValue(): void {
    const c = this.text[this.pos];
    if (c !== undefined && !' \t\r\n,]}:'.includes(c)) {
      this.fail(`invalid character ${quoteChar(this.peekChar()!)} after top-level value`);
    }
  }

  private number(): Value {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) {
      const bad = this.text[this.pos + 1];
      if (bad === undefined) this.fail('unexpected EOF');
      this.fail(`invalid character ${quoteChar(bad)} in numeric literal`);
    }
    this.pos += m[0].length;
    const next = this.text[this.pos];
    if (next !== undefined && /[0-9.eE+-]/.test(next))
      this.fail(`invalid character ${quoteChar(next)} after top-level value`);
    return Value.number(BigFloat.parse(m[0])!);
  }

  private string(): string {
    this.pos++;
    let out = '';
    while (true) {
      if (this.pos >= this.text.length) this.fail('unexpected EOF');
      const c = this.text[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = this.text[this.pos + 1];
        if (e === undefined) this.fail('unexpected EOF');
        const simple: Record<string, string> = {
          '"': '"',
          '\\': '\\',
          '/': '/',
          b: '\b',
          f: '\f',
          n: '\n',
          r: '\r',
          t: '\t',
        };
        if (e in simple) {
          out += simple[e];
          this.pos += 2;
          continue;
        }
        if (e === 'u') {
          const hex = this.text.slice(this.pos + 2, this.pos + 6);
          for (const h of hex)
            if (!/[0-9a-fA-F]/.test(h))
              this.fail(`invalid character ${quoteChar(h)} in \\u hexadecimal character escape`);
          if (hex.length < 4) this.fail('unexpected EOF');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 6;
          continue;
        }
        this.fail(`invalid character ${quoteChar(e)} in string escape code`);
      }
      if (c.charCodeAt(0) < 0x20) this.fail(`invalid character ${quoteChar(c)} in string literal`);
      out += c;
      this.pos++;
    }
  }

  private object(): Value {
    this.pos++;
    const entries = new Map<string, Value>();
    this.skipSpace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return Value.object([]);
    }
    // Go's decoder names no context for the first key, only for keys after a comma.
    let first = true;
    while (true) {
      this.skipSpace();
      const c = this.peekChar();
      if (c === undefined) this.fail('EOF');
      if (c !== '"') {
        this.fail(
          `invalid character ${quoteChar(c)}${first ? '' : ' looking for beginning of object key string'}`,
        );
      }
      first = false;
      const key = this.string();
      this.skipSpace();
      const colon = this.peekChar();
      if (colon === undefined) this.fail('EOF');
      if (colon !== ':') this.fail(`invalid character ${quoteChar(colon)} after object key`);
      this.pos++;
      const value = this.value('looking for beginning of value');
      const existing = entries.get(key);
      if (existing && existing.type.kind !== value.type.kind)
        this.fail(`duplicate ${goQuote(key)} property in JSON object`);
      entries.set(key, value);
      this.skipSpace();
      const next = this.peekChar();
      if (next === undefined) this.fail('EOF');
      this.pos++;
      if (next === '}') return Value.object(entries);
      if (next !== ',') this.fail(`invalid character ${quoteChar(next)} after object key:value pair`);
    }
  }

  private array(): Value {
    this.pos++;
    const items: Value[] = [];
    this.skipSpace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return Value.tuple([]);
    }
    while (true) {
      items.push(this.value('looking for beginning of value'));
      this.skipSpace();
      const next = this.peekChar();
      if (next === undefined) this.fail('EOF');
      this.pos++;
      if (next === ']') return Value.tuple(items);
      if (next !== ',') this.fail(`invalid character ${quoteChar(next)} after array element`);
    }
  }
}

/** Parses JSON into a cty-like value (objects, tuples, exact numbers); throws FunctionError. */
export function decodeJSON(text: string): Value {
  return new JSONReader(text).document();
}
