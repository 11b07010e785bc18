/**
 * Go's string quoting and float formatting, which Packer's output goes through (`%q` for map keys and
 * nested strings in `packer console`, `%g` for non-integer numbers).
 */

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's `unicode.IsPrint`: letters, marks, numbers, punctuation, symbols and the ASCII space. */
export function isGoPrintable(char: string): boolean {
  return PRINTABLE.test(char);
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/** Go's `strconv.Quote` (what `%q` does with a string). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') {
      out += '\\' + ch;
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdfff) {
      // A lone surrogate is not valid UTF-8; Go would print the replacement character.
      out += '\\ufffd';
      continue;
    }
    if (isGoPrintable(ch)) {
      out += ch;
      continue;
    }
    switch (ch) {
      case '\x07':
        out += '\\a';
        continue;
      case '\b':
        out += '\\b';
        continue;
      case '\f':
        out += '\\f';
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
      case '\v':
        out += '\\v';
        continue;
    }
    if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2);
    else if (cp < 0x10000) out += '\\u' + hex(cp, 4);
    else out += '\\U' + hex(cp, 8);
  }
  return out + '"';
}

/** The shortest round-trip digits of a finite double: `digits` without a point, `exp` = position of the point. */
function shortestDigits(x: number): { digits: string; exp: number } {
  const [mantissa, exponent] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  return { digits, exp: Number(exponent) + 1 };
}

/** Go's `strconv.FormatFloat(x, 'g', -1, 64)`, i.e. `fmt.Sprintf("%g", x)`. */
export function goFormatFloatG(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return '+Inf';
  if (x === -Infinity) return '-Inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (x === 0) return sign + '0';
  const { digits, exp } = shortestDigits(x);
  const e = exp - 1;
  if (e < -4 || e >= 6) {
    // With the shortest precision Go switches to %e below 1e-4 and from 1e6 up.
    return sign + formatE(digits, e);
  }
  return sign + formatF(digits, exp);
}

function formatE(digits: string, e: number): string {
  const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const abs = Math.abs(e);
  return `${mantissa}e${e < 0 ? '-' : '+'}${abs < 10 ? '0' : ''}${abs}`;
}

function formatF(digits: string, exp: number): string {
  if (exp <= 0) return `0.${'0'.repeat(-exp)}${digits}`;
  if (exp >= digits.length) return digits + '0'.repeat(exp - digits.length);
  return `${digits.slice(0, exp)}.${digits.slice(exp)}`;
}
