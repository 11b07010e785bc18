/**
 * Strict JSON as Go's encoding/json accepts it, with Go's syntax error messages and byte offsets
 * (what Packer reports: `invalid character ']' looking for beginning of value`), and Packer's
 * `Error parsing JSON: … At line L, column C (offset O):` snippet.
 */

export interface GoJsonSyntaxError {
  /** Go's message, e.g. `invalid character ']' looking for beginning of value`. */
  message: string;
  /** Go's SyntaxError.Offset: bytes read when the error was found (the bad byte included). */
  byteOffset: number;
  /** UTF-16 offset of the offending character (the end of the text for an unexpected end). */
  offset: number;
}

/** Go's quoteChar for the byte at fault. */
function quoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return `'"'`;
  const ch = String.fromCharCode(c);
  if (c < 0x20 || c === 0x7f) {
    const esc: Record<number, string> = {
      7: '\\a',
      8: '\\b',
      9: '\\t',
      10: '\\n',
      11: '\\v',
      12: '\\f',
      13: '\\r',
    };
    return `'${esc[c] ?? `\\x${c.toString(16).padStart(2, '0')}`}'`;
  }
  if (c >= 0x80 && c < 0xa0) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  if (c === 0xad) return `'\\u00ad'`;
  return `'${ch}'`;
}

type Step = (c: number) => string | undefined; // returns an error context, or undefined when accepted

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's encoding/json checkValid: the first syntax error, or undefined when the JSON is valid. */
export function checkGoJson(text: string): GoJsonSyntaxError | undefined {
  const bytes = new TextEncoder().encode(text);
  const stack: ('object' | 'array')[] = [];
  let parseState: 'objectKey' | 'objectValue' | 'arrayValue' = 'objectKey';
  let endTop = false;

  const literal = (expect: string, name: string, i: number): Step => {
    return (c) => {
      if (c === expect.charCodeAt(i)) {
        step = i + 1 < expect.length ? literal(expect, name, i + 1) : stateEndValue;
        return undefined;
      }
      return `in literal ${name} (expecting '${expect[i]}')`;
    };
  };

  const push = (kind: 'object' | 'array') => {
    stack.push(kind);
    parseState = kind === 'object' ? 'objectKey' : 'arrayValue';
  };
  const pop = () => {
    stack.pop();
    const top = stack[stack.length - 1];
    if (top === 'object') parseState = 'objectValue';
    else if (top === 'array') parseState = 'arrayValue';
    step = stateEndValue;
    if (stack.length === 0) {
      step = stateEndTop;
      endTop = true;
    }
  };

  const stateBeginValue: Step = (c) => {
    if (isSpace(c)) return undefined;
    switch (c) {
      case 0x7b: // {
        step = stateBeginStringOrEmpty;
        push('object');
        return undefined;
      case 0x5b: // [
        step = stateBeginValueOrEmpty;
        push('array');
        return undefined;
      case 0x22:
        step = stateInString;
        return undefined;
      case 0x2d:
        step = stateNeg;
        return undefined;
      case 0x30:
        step = state0;
        return undefined;
      case 0x74:
        step = literal('true', 'true', 1);
        return undefined;
      case 0x66:
        step = literal('false', 'false', 1);
        return undefined;
      case 0x6e:
        step = literal('null', 'null', 1);
        return undefined;
    }
    if (c >= 0x31 && c <= 0x39) {
      step = state1;
      return undefined;
    }
    return 'looking for beginning of value';
  };
  const stateBeginValueOrEmpty: Step = (c) => {
    if (isSpace(c)) return undefined;
    if (c === 0x5d) {
      pop();
      return undefined;
    }
    return stateBeginValue(c);
  };
  const stateBeginStringOrEmpty: Step = (c) => {
    if (isSpace(c)) return undefined;
    if (c === 0x7d) {
      pop();
      return undefined;
    }
    return stateBeginString(c);
  };
  const stateBeginString: Step = (c) => {
    if (isSpace(c)) return undefined;
    if (c === 0x22) {
      step = stateInString;
      return undefined;
    }
    return 'looking for beginning of object key string';
  };
  const stateEndValue: Step = (c) => {
    if (stack.length === 0) {
      step = stateEndTop;
      endTop = true;
      return stateEndTop(c);
    }
    if (isSpace(c)) {
      step = stateEndValue;
      return undefined;
    }
    switch (parseState) {
      case 'objectKey':
        if (c === 0x3a) {
          parseState = 'objectValue';
          step = stateBeginValue;
          return undefined;
        }
        return 'after object key';
      case 'objectValue':
        if (c === 0x2c) {
          parseState = 'objectKey';
          step = stateBeginString;
          return undefined;
        }
        if (c === 0x7d) {
          pop();
          return undefined;
        }
        return 'after object key:value pair';
      case 'arrayValue':
        if (c === 0x2c) {
          step = stateBeginValue;
          return undefined;
        }
        if (c === 0x5d) {
          pop();
          return undefined;
        }
        return 'after array element';
    }
  };
  const stateEndTop: Step = (c) => (isSpace(c) ? undefined : 'after top-level value');
  const stateInString: Step = (c) => {
    if (c === 0x22) {
      step = stateEndValue;
      return undefined;
    }
    if (c === 0x5c) {
      step = stateInStringEsc;
      return undefined;
    }
    if (c < 0x20) return 'in string literal';
    return undefined;
  };
  const stateInStringEsc: Step = (c) => {
    if ('bfnrt\\/"'.includes(String.fromCharCode(c))) {
      step = stateInString;
      return undefined;
    }
    if (c === 0x75) {
      step = hexStep(0);
      return undefined;
    }
    return 'in string escape code';
  };
  const hexStep =
    (n: number): Step =>
    (c) => {
      if (!isHex(c)) return 'in \\u hexadecimal character escape';
      step = n === 3 ? stateInString : hexStep(n + 1);
      return undefined;
    };
  const stateNeg: Step = (c) => {
    if (c === 0x30) {
      step = state0;
      return undefined;
    }
    if (c >= 0x31 && c <= 0x39) {
      step = state1;
      return undefined;
    }
    return 'in numeric literal';
  };
  const state1: Step = (c) => {
    if (isDigit(c)) return undefined;
    return state0(c);
  };
  const state0: Step = (c) => {
    if (c === 0x2e) {
      step = stateDot;
      return undefined;
    }
    if (c === 0x65 || c === 0x45) {
      step = stateE;
      return undefined;
    }
    return stateEndValue(c);
  };
  const stateDot: Step = (c) => {
    if (isDigit(c)) {
      step = stateDot0;
      return undefined;
    }
    return 'after decimal point in numeric literal';
  };
  const stateDot0: Step = (c) => {
    if (isDigit(c)) return undefined;
    if (c === 0x65 || c === 0x45) {
      step = stateE;
      return undefined;
    }
    return stateEndValue(c);
  };
  const stateE: Step = (c) => {
    if (c === 0x2b || c === 0x2d) {
      step = stateESign;
      return undefined;
    }
    return stateESign(c);
  };
  const stateESign: Step = (c) => {
    if (isDigit(c)) {
      step = stateE0;
      return undefined;
    }
    return 'in exponent of numeric literal';
  };
  const stateE0: Step = (c) => (isDigit(c) ? undefined : stateEndValue(c));

  let step: Step = stateBeginValue;
  for (let i = 0; i < bytes.length; i++) {
    const context = step(bytes[i]);
    if (context !== undefined) {
      return {
        message: `invalid character ${quoteChar(bytes[i])} ${context}`,
        byteOffset: i + 1,
        offset: utf16OffsetOfByte(text, i),
      };
    }
  }
  // Go's eof(): feed a space to finish a top-level number, then require the end of the top value.
  if (!endTop) {
    const context = step(0x20);
    if (context === undefined && endTop) return undefined;
    return { message: 'unexpected end of JSON input', byteOffset: bytes.length, offset: text.length };
  }
  return undefined;
}

/** The UTF-16 offset of the character containing byte `byteIndex` of the text's UTF-8 encoding. */
export function utf16OffsetOfByte(text: string, byteIndex: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length;) {
    const cp = text.codePointAt(i)!;
    const len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + len > byteIndex) return i;
    bytes += len;
    i += cp >= 0x10000 ? 2 : 1;
  }
  return text.length;
}

/** Packer's highlightPosition: line, column and the two-line snippet with a caret, from a byte offset. */
export function highlightPosition(
  text: string,
  byteOffset: number,
): { line: number; column: number; highlight: string } {
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  let line = 1;
  let col = 0;
  let lastLine: Uint8Array = new Uint8Array();
  let lineStart = 0;
  let n = 0;
  for (; n < byteOffset && n < bytes.length; n++) {
    if (bytes[n] === 0x0a) {
      lastLine = bytes.subarray(lineStart, n);
      lineStart = n + 1;
      line++;
      col = 1;
    } else col++;
  }
  const thisLine = bytes.subarray(lineStart, n);
  let highlight = '';
  if (line > 1) highlight += `${String(line - 1).padStart(5)}: ${decoder.decode(lastLine)}\n`;
  highlight += `${String(line).padStart(5)}: ${decoder.decode(thisLine)}\n`;
  highlight += `${' '.repeat(col + 5)}^\n`;
  return { line, column: col, highlight };
}

/** The whole message Packer gives for a syntax error in a template file. */
export function packerJsonSyntaxMessage(text: string, err: GoJsonSyntaxError): string {
  const { line, column, highlight } = highlightPosition(text, err.byteOffset);
  return `Error parsing JSON: ${err.message}\nAt line ${line}, column ${column} (offset ${err.byteOffset}):\n${highlight}`;
}
