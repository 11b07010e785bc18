/**
 * The few Python behaviours MAAS's messages depend on: `repr()` of a string and of a list of strings
 * (`%r` in "Authorization Error: %r"), `json.dumps` with its default separators (the body of a form
 * validation error), and `urllib.parse.quote`/`unquote` (OAuth header values).
 */

/** Python's `repr(str)`. */
export function pyRepr(value: string): string {
  const quote = value.includes("'") && !value.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr(list_of_str)`: `['a', 'b']`. */
export function pyListRepr(values: readonly string[]): string {
  return `[${values.map(pyRepr).join(', ')}]`;
}

/** A Python float, so JSON shows `0.0` where MAAS sends a float and `0` where it sends an int. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `repr(float)`: shortest round-trip digits, `.0` on integral values, exponent outside [1e-4, 1e16). */
export function pyFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = value.toExponential().split('e');
    const sign = exponent.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exponent.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const text = String(value);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

/**
 * Python's `json.dumps(obj)`: `", "` and `": "` separators; non-ASCII as `\uXXXX` unless
 * `ensureAscii` is false (piston's JSON emitter).
 */
export function pyJsonDumps(value: unknown, ensureAscii = true): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return ensureAscii
      ? json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
      : json;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => pyJsonDumps(v, ensureAscii)).join(', ')}]`;
  if (value instanceof Map) {
    return `{${[...value.entries()]
      .map(([k, v]) => `${pyJsonDumps(String(k), ensureAscii)}: ${pyJsonDumps(v, ensureAscii)}`)
      .join(', ')}}`;
  }
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pyJsonDumps(k, ensureAscii)}: ${pyJsonDumps(v, ensureAscii)}`)
      .join(', ')}}`;
  }
  return 'null';
}

/** `urllib.parse.unquote`: `%XX` sequences decoded as UTF-8, anything malformed left as it is, `+` kept. */
export function pyUnquote(value: string): string {
  if (!value.includes('%')) return value;
  return value.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    const bytes = Buffer.from(run.replace(/%/g, ''), 'hex');
    return bytes.toString('utf8');
  });
}

/** `urllib.parse.quote(s, safe='~')`: everything but letters, digits and `_.-~`. */
export function pyQuote(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += /[A-Za-z0-9_.\-~]/.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
