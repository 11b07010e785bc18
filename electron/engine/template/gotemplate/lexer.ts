/**
 * The lexer of Go's text/template, as Packer's `{{ }}` engine uses it: default `{{`/`}}` delimiters,
 * trim markers, comments, raw and interpreted strings, numbers, fields, variables and keywords.
 * Positions are UTF-16 offsets into the template text; errors carry Go's wording.
 */

import { goQuote } from '../hcl/gostrings';
export type ItemType =
  | 'error'
  | 'bool'
  | 'char'
  | 'charConstant'
  | 'complex'
  | 'assign'
  | 'declare'
  | 'eof'
  | 'field'
  | 'identifier'
  | 'leftDelim'
  | 'leftParen'
  | 'number'
  | 'pipe'
  | 'rawString'
  | 'rightDelim'
  | 'rightParen'
  | 'space'
  | 'string'
  | 'text'
  | 'variable'
  // keywords
  | 'block'
  | 'break'
  | 'continue'
  | 'dot'
  | 'define'
  | 'else'
  | 'end'
  | 'if'
  | 'nil'
  | 'range'
  | 'template'
  | 'with';

const KEYWORDS: Record<string, ItemType> = {
  '.': 'dot',
  block: 'block',
  break: 'break',
  continue: 'continue',
  define: 'define',
  else: 'else',
  end: 'end',
  if: 'if',
  range: 'range',
  nil: 'nil',
  template: 'template',
  with: 'with',
};

const KEYWORD_TYPES = new Set<ItemType>(Object.values(KEYWORDS));

export interface Item {
  type: ItemType;
  pos: number;
  value: string;
  line: number;
}

/** Approximates Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and ASCII space. */
export function isPrintable(cp: number): boolean {
  if (cp === 0x20) return true;
  return /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(String.fromCodePoint(cp));
}

/** Go's `%#U` of a rune: `U+005C '\'`. */
export function goRuneU(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return isPrintable(cp) ? `U+${hex} '${ch}'` : `U+${hex}`;
}

export function itemString(item: Item): string {
  if (item.type === 'eof') return 'EOF';
  if (item.type === 'error') return item.value;
  if (KEYWORD_TYPES.has(item.type)) return `<${item.value}>`;
  if ([...item.value].length > 10) {
    // Go's %.10q: quote the first ten runes.
    return `${goQuote([...item.value].slice(0, 10).join(''))}...`;
  }
  return goQuote(item.value);
}

const SPACE = ' \t\r\n';
const isSpace = (c: string | undefined) => c !== undefined && c.length === 1 && SPACE.includes(c);
const isAlphaNumeric = (c: string | undefined) => c !== undefined && (c === '_' || /[\p{L}\p{Nd}]/u.test(c));

const LEFT = '{{';
const RIGHT = '}}';

function hasLeftTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && s[at] === '-' && isSpace(s[at + 1]);
}
function hasRightTrimMarker(s: string, at: number): boolean {
  return s.length - at >= 2 && isSpace(s[at]) && s[at + 1] === '-';
}

/** Tokenizes the whole input eagerly. The last item is EOF or an error. */
export function lex(input: string, options: { breakOK?: boolean; continueOK?: boolean } = {}): Item[] {
  const items: Item[] = [];
  let pos = 0;
  let start = 0;
  let line = 1;
  let startLine = 1;
  let parenDepth = 0;
  let done = false;
  // Whether break/continue are keywords depends on the parser's range depth in Go; the lexer is told
  // up front here (they are identifiers otherwise), which the parser corrects by context.
  const breakOK = options.breakOK ?? true;
  const continueOK = options.continueOK ?? true;

  const emit = (type: ItemType) => {
    items.push({ type, pos: start, value: input.slice(start, pos), line: startLine });
    start = pos;
    startLine = line;
  };
  const ignore = () => {
    line += count(input.slice(start, pos), '\n');
    start = pos;
    startLine = line;
  };
  const errorf = (msg: string) => {
    items.push({ type: 'error', pos: start, value: msg, line: startLine });
    done = true;
  };
  const next = (): string | undefined => {
    if (pos >= input.length) {
      pos = input.length + 1; // so that backup() is symmetric
      return undefined;
    }
    const cp = input.codePointAt(pos)!;
    const ch = String.fromCodePoint(cp);
    pos += ch.length;
    if (ch === '\n') line++;
    return ch;
  };
  const backupOne = (ch: string | undefined) => {
    if (ch === undefined) {
      pos = input.length;
      return;
    }
    pos -= ch.length;
    if (ch === '\n') line--;
  };
  const peek = (): string | undefined => {
    if (pos >= input.length) return undefined;
    return String.fromCodePoint(input.codePointAt(pos)!);
  };
  const atRightDelim = (): [boolean, boolean] => {
    if (hasRightTrimMarker(input, pos) && input.startsWith(RIGHT, pos + 2)) return [true, true];
    if (input.startsWith(RIGHT, pos)) return [true, false];
    return [false, false];
  };
  const atTerminator = (): boolean => {
    const r = peek();
    if (r === undefined || isSpace(r)) return true;
    if ('.,|:)('.includes(r)) return true;
    return input.startsWith(RIGHT, pos);
  };
  const accept = (valid: string): boolean => {
    const r = next();
    if (r !== undefined && valid.includes(r)) return true;
    backupOne(r);
    return false;
  };
  const acceptRun = (valid: string) => {
    for (;;) {
      const r = next();
      if (r === undefined || !valid.includes(r)) {
        backupOne(r);
        return;
      }
    }
  };
  const scanNumber = (): boolean => {
    accept('+-');
    let digits = '0123456789_';
    if (accept('0')) {
      if (accept('xX')) digits = '0123456789abcdefABCDEF_';
      else if (accept('oO')) digits = '01234567_';
      else if (accept('bB')) digits = '01_';
    }
    acceptRun(digits);
    if (accept('.')) acceptRun(digits);
    if (digits.length === 11 && accept('eE')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    if (digits.length === 23 && accept('pP')) {
      accept('+-');
      acceptRun('0123456789_');
    }
    accept('i');
    if (isAlphaNumeric(peek())) {
      next();
      return false;
    }
    return true;
  };

  type State = () => State | null;

  const lexText: State = () => {
    const x = input.indexOf(LEFT, pos);
    if (x >= 0) {
      pos = x;
      let trimLength = 0;
      if (hasLeftTrimMarker(input, pos + LEFT.length)) {
        const before = input.slice(start, pos);
        trimLength = before.length - before.replace(/[ \t\r\n]+$/, '').length;
      }
      pos -= trimLength;
      if (pos > start) {
        line += count(input.slice(start, pos), '\n');
        emit('text');
      }
      pos += trimLength;
      ignore();
      return lexLeftDelim;
    }
    pos = input.length;
    if (pos > start) {
      line += count(input.slice(start, pos), '\n');
      emit('text');
    }
    emit('eof');
    return null;
  };

  const lexLeftDelim: State = () => {
    pos += LEFT.length;
    const trimSpace = hasLeftTrimMarker(input, pos);
    const afterMarker = trimSpace ? 2 : 0;
    if (input.startsWith('/*', pos + afterMarker)) {
      pos += afterMarker;
      ignore();
      return lexComment;
    }
    emit('leftDelim');
    pos += afterMarker;
    ignore();
    parenDepth = 0;
    return lexInsideAction;
  };

  const lexComment: State = () => {
    pos += 2;
    const i = input.indexOf('*/', pos);
    if (i < 0) {
      errorf('unclosed comment');
      return null;
    }
    pos = i + 2;
    const [delim, trimSpace] = atRightDelim();
    if (!delim) {
      errorf('comment ends before closing delimiter');
      return null;
    }
    if (trimSpace) pos += 2;
    pos += RIGHT.length;
    if (trimSpace) {
      const rest = input.slice(pos);
      pos += rest.length - rest.replace(/^[ \t\r\n]+/, '').length;
    }
    ignore();
    return lexText;
  };

  const lexRightDelim: State = () => {
    const trimSpace = hasRightTrimMarker(input, pos);
    if (trimSpace) {
      pos += 2;
      ignore();
    }
    pos += RIGHT.length;
    emit('rightDelim');
    if (trimSpace) {
      const rest = input.slice(pos);
      pos += rest.length - rest.replace(/^[ \t\r\n]+/, '').length;
      ignore();
    }
    return lexText;
  };

  const lexInsideAction: State = () => {
    const [delim] = atRightDelim();
    if (delim) {
      if (parenDepth === 0) return lexRightDelim;
      errorf('unclosed left paren');
      return null;
    }
    const r = next();
    if (r === undefined) {
      errorf('unclosed action');
      return null;
    }
    if (isSpace(r)) {
      backupOne(r);
      return lexSpace;
    }
    switch (r) {
      case '=':
        emit('assign');
        return lexInsideAction;
      case ':':
        if (next() !== '=') {
          errorf('expected :=');
          return null;
        }
        emit('declare');
        return lexInsideAction;
      case '|':
        emit('pipe');
        return lexInsideAction;
      case '"':
        return lexQuote;
      case '`':
        return lexRawQuote;
      case '$':
        return lexVariable;
      case "'":
        return lexChar;
      case '(':
        emit('leftParen');
        parenDepth++;
        return lexInsideAction;
      case ')':
        emit('rightParen');
        parenDepth--;
        if (parenDepth < 0) {
          errorf(`unexpected right paren ${goRuneU(r)}`);
          return null;
        }
        return lexInsideAction;
    }
    if (r === '.') {
      if (pos < input.length) {
        const c = input[pos];
        if (c < '0' || c > '9') return lexField;
      }
      backupOne(r);
      return lexNumber;
    }
    if (r === '+' || r === '-' || (r >= '0' && r <= '9')) {
      backupOne(r);
      return lexNumber;
    }
    if (isAlphaNumeric(r)) {
      backupOne(r);
      return lexIdentifier;
    }
    const cp = r.codePointAt(0)!;
    if (cp <= 0x7f && isPrintable(cp)) {
      emit('char');
      return lexInsideAction;
    }
    errorf(`unrecognized character in action: ${goRuneU(r)}`);
    return null;
  };

  const lexSpace: State = () => {
    let numSpaces = 0;
    while (isSpace(peek())) {
      next();
      numSpaces++;
    }
    if (hasRightTrimMarker(input, pos - 1) && input.startsWith(RIGHT, pos - 1 + 2)) {
      backupOne(input[pos - 1]);
      if (numSpaces === 1) return lexRightDelim;
    }
    emit('space');
    return lexInsideAction;
  };

  const lexIdentifier: State = () => {
    for (;;) {
      const r = next();
      if (isAlphaNumeric(r)) continue;
      backupOne(r);
      const word = input.slice(start, pos);
      if (!atTerminator()) {
        errorf(`bad character ${goRuneU(r ?? '')}`);
        return null;
      }
      const kw = KEYWORDS[word];
      if (kw !== undefined && word !== '.') {
        if ((kw === 'break' && !breakOK) || (kw === 'continue' && !continueOK)) emit('identifier');
        else emit(kw);
      } else if (word[0] === '.') emit('field');
      else if (word === 'true' || word === 'false') emit('bool');
      else emit('identifier');
      return lexInsideAction;
    }
  };

  const lexFieldOrVariable = (type: 'field' | 'variable'): State | null => {
    if (atTerminator()) {
      emit(type === 'variable' ? 'variable' : 'dot');
      return lexInsideAction;
    }
    let r: string | undefined;
    for (;;) {
      r = next();
      if (!isAlphaNumeric(r)) {
        backupOne(r);
        break;
      }
    }
    if (!atTerminator()) {
      errorf(`bad character ${goRuneU(r ?? '')}`);
      return null;
    }
    emit(type);
    return lexInsideAction;
  };
  const lexField: State = () => lexFieldOrVariable('field');
  const lexVariable: State = () => {
    if (atTerminator()) {
      emit('variable');
      return lexInsideAction;
    }
    return lexFieldOrVariable('variable');
  };

  const lexChar: State = () => {
    for (;;) {
      const r = next();
      if (r === '\\') {
        const e = next();
        if (e !== undefined && e !== '\n') continue;
        errorf('unterminated character constant');
        return null;
      }
      if (r === undefined || r === '\n') {
        errorf('unterminated character constant');
        return null;
      }
      if (r === "'") break;
    }
    emit('charConstant');
    return lexInsideAction;
  };

  const lexNumber: State = () => {
    if (!scanNumber()) {
      errorf(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
      return null;
    }
    const sign = peek();
    if (sign === '+' || sign === '-') {
      if (!scanNumber() || input[pos - 1] !== 'i') {
        errorf(`bad number syntax: ${goQuote(input.slice(start, pos))}`);
        return null;
      }
      emit('complex');
    } else emit('number');
    return lexInsideAction;
  };

  const lexQuote: State = () => {
    for (;;) {
      const r = next();
      if (r === '\\') {
        const e = next();
        if (e !== undefined && e !== '\n') continue;
        errorf('unterminated quoted string');
        return null;
      }
      if (r === undefined || r === '\n') {
        errorf('unterminated quoted string');
        return null;
      }
      if (r === '"') break;
    }
    emit('string');
    return lexInsideAction;
  };

  const lexRawQuote: State = () => {
    for (;;) {
      const r = next();
      if (r === undefined) {
        errorf('unterminated raw quoted string');
        return null;
      }
      if (r === '`') break;
    }
    emit('rawString');
    return lexInsideAction;
  };

  let state: State | null = lexText;
  while (state && !done) state = state();
  return items;
}

function count(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}
