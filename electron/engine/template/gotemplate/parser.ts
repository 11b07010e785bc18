/**
 * The parser of Go's text/template: the tree of a template with each node's position and its
 * canonical `String()` form (used in Go's error messages and by hcl2_upgrade). Parse errors have
 * Go's wording: `template: <name>:<line>: <message>`.
 */
import { goQuote } from '../hcl/gostrings';
import { type Item, type ItemType, itemString, lex } from './lexer';

interface BaseNode {
  pos: number;
}
export interface TextNode extends BaseNode {
  type: 'text';
  text: string;
}
export interface ActionNode extends BaseNode {
  type: 'action';
  line: number;
  pipe: PipeNode;
}
export interface PipeNode extends BaseNode {
  type: 'pipe';
  line: number;
  isAssign: boolean;
  decl: VariableNode[];
  cmds: CommandNode[];
}
export interface CommandNode extends BaseNode {
  type: 'command';
  args: ArgNode[];
}
export interface IdentifierNode extends BaseNode {
  type: 'identifier';
  ident: string;
}
export interface VariableNode extends BaseNode {
  type: 'variable';
  ident: string[];
}
export interface FieldNode extends BaseNode {
  type: 'field';
  ident: string[];
}
export interface ChainNode extends BaseNode {
  type: 'chain';
  node: ArgNode;
  field: string[];
}
export interface DotNode extends BaseNode {
  type: 'dot';
}
export interface NilNode extends BaseNode {
  type: 'nil';
}
export interface BoolNode extends BaseNode {
  type: 'bool';
  value: boolean;
}
export interface NumberNode extends BaseNode {
  type: 'number';
  text: string;
  isInt: boolean;
  isFloat: boolean;
  isComplex: boolean;
  int: number;
  float: number;
}
export interface StringNode extends BaseNode {
  type: 'string';
  quoted: string;
  text: string;
}
export interface ListNode extends BaseNode {
  type: 'list';
  nodes: Node[];
}
export interface BranchNode extends BaseNode {
  type: 'if' | 'range' | 'with';
  line: number;
  pipe: PipeNode;
  list: ListNode;
  elseList?: ListNode;
}
export interface BreakNode extends BaseNode {
  type: 'break' | 'continue';
}
export interface TemplateNode extends BaseNode {
  type: 'template';
  name: string;
  pipe?: PipeNode;
}
interface EndNode extends BaseNode {
  type: 'end';
}
interface ElseNode extends BaseNode {
  type: 'else';
}

export type ArgNode =
  | IdentifierNode
  | VariableNode
  | FieldNode
  | ChainNode
  | DotNode
  | NilNode
  | BoolNode
  | NumberNode
  | StringNode
  | PipeNode;
export type Node = TextNode | ActionNode | BranchNode | BreakNode | TemplateNode | ListNode;
type AnyNode = Node | ArgNode | CommandNode | EndNode | ElseNode;

export interface ParsedTemplate {
  name: string;
  text: string;
  root: ListNode;
  /** Templates declared with {{define}} or {{block}}. */
  defines: Map<string, ListNode>;
}

/** A text/template parse failure, worded as Go words it. */
export class GoTemplateParseError extends Error {
  constructor(
    message: string,
    /** Offset in the template text of the token at fault. */
    readonly pos: number,
  ) {
    super(message);
    this.name = 'GoTemplateParseError';
  }
}

/** Go's `n.String()` for a node: the canonical text of an action. */
export function nodeString(n: AnyNode): string {
  switch (n.type) {
    case 'text':
      return goQuote(n.text);
    case 'action':
      return `{{${nodeString(n.pipe)}}}`;
    case 'pipe': {
      let s = '';
      if (n.decl.length > 0) {
        s = n.decl.map((v) => nodeString(v)).join(', ') + (n.isAssign ? ' = ' : ' := ');
      }
      return s + n.cmds.map((c) => nodeString(c)).join(' | ');
    }
    case 'command':
      return n.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'identifier':
      return n.ident;
    case 'variable':
      return n.ident.join('.');
    case 'field':
      return n.ident.map((f) => '.' + f).join('');
    case 'chain': {
      const inner = n.node.type === 'pipe' ? `(${nodeString(n.node)})` : nodeString(n.node);
      return inner + n.field.map((f) => '.' + f).join('');
    }
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return n.value ? 'true' : 'false';
    case 'number':
      return n.text;
    case 'string':
      return n.quoted;
    case 'list':
      return n.nodes.map((c) => nodeString(c)).join('');
    case 'if':
    case 'range':
    case 'with': {
      const head = `{{${n.type} ${nodeString(n.pipe)}}}${nodeString(n.list)}`;
      return n.elseList ? `${head}{{else}}${nodeString(n.elseList)}{{end}}` : `${head}{{end}}`;
    }
    case 'break':
      return '{{break}}';
    case 'continue':
      return '{{continue}}';
    case 'template':
      return n.pipe
        ? `{{template ${goQuote(n.name)} ${nodeString(n.pipe)}}}`
        : `{{template ${goQuote(n.name)}}}`;
    case 'end':
      return '{{end}}';
    case 'else':
      return '{{else}}';
  }
}

/** Go's strconv.Unquote for "..." and `...` literals; throws 'invalid syntax'. */
export function unquote(quoted: string): string {
  if (quoted.startsWith('`')) {
    if (!quoted.endsWith('`') || quoted.length < 2) throw new Error('invalid syntax');
    return quoted.slice(1, -1).replace(/\r/g, '');
  }
  const quote = quoted[0];
  if ((quote !== '"' && quote !== "'") || quoted.length < 2 || quoted[quoted.length - 1] !== quote) {
    throw new Error('invalid syntax');
  }
  const body = quoted.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === quote || c === '\n') throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    const simple: Record<string, string> = {
      a: '\x07',
      b: '\b',
      f: '\f',
      n: '\n',
      r: '\r',
      t: '\t',
      v: '\v',
      '\\': '\\',
    };
    if (e in simple) out += simple[e];
    else if (e === quote) out += quote;
    else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
      const cp = parseInt(hex, 16);
      if (e !== 'x' && (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))) throw new Error('invalid syntax');
      // \x is a byte in Go; bytes >= 0x80 would make invalid UTF-8, which we approximate by the code point.
      out += String.fromCodePoint(cp);
      i += len;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
      const v = parseInt(oct, 8);
      if (v > 255) throw new Error('invalid syntax');
      out += String.fromCharCode(v);
      i += 2;
    } else throw new Error('invalid syntax');
  }
  if (quote === "'" && [...out].length !== 1) throw new Error('invalid syntax');
  return out;
}

function parseNumber(pos: number, text: string, type: ItemType): NumberNode {
  const n: NumberNode = {
    type: 'number',
    pos,
    text,
    isInt: false,
    isFloat: false,
    isComplex: false,
    int: 0,
    float: 0,
  };
  if (type === 'charConstant') {
    const ch = unquote(text);
    const cp = ch.codePointAt(0)!;
    return { ...n, isInt: true, isFloat: true, int: cp, float: cp };
  }
  if (type === 'complex' || text.endsWith('i')) {
    throw new Error(`illegal number syntax: ${goQuote(text)}`);
  }
  const clean = text.replace(/_/g, '');
  const neg = clean.startsWith('-');
  const unsigned = clean.replace(/^[+-]/, '');
  let intVal: bigint | undefined;
  if (/^0[xX][0-9a-fA-F]+$/.test(unsigned)) intVal = BigInt(unsigned);
  else if (/^0[oO][0-7]+$/.test(unsigned)) intVal = BigInt('0o' + unsigned.slice(2));
  else if (/^0[bB][01]+$/.test(unsigned)) intVal = BigInt(unsigned);
  else if (/^0[0-7]+$/.test(unsigned)) intVal = BigInt('0o' + unsigned.slice(1));
  else if (/^[0-9]+$/.test(unsigned)) intVal = BigInt(unsigned);
  if (intVal !== undefined) {
    if (neg) intVal = -intVal;
    if (intVal >= -(2n ** 63n) && intVal < 2n ** 63n) {
      n.isInt = true;
      n.int = Number(intVal);
    }
    n.isFloat = true;
    n.float = Number(intVal);
    return n;
  }
  if (/^\.?[0-9]/.test(unsigned) || /^0[xX]/.test(unsigned)) {
    const f = Number(clean);
    if (!Number.isNaN(f)) {
      n.isFloat = true;
      n.float = f;
      if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) {
        n.isInt = true;
        n.int = f;
      }
      return n;
    }
  }
  throw new Error(`illegal number syntax: ${goQuote(text)}`);
}

class Parser {
  private items: Item[];
  private index = 0;
  private peekCount = 0;
  private readonly tokenBuf: Item[] = [];
  private vars: string[] = ['$'];
  private actionLine = 0;
  private rangeDepth = 0;
  readonly defines = new Map<string, ListNode>();

  constructor(
    private readonly name: string,
    private readonly text: string,
    private readonly hasFunction: (name: string) => boolean,
  ) {
    this.items = lex(text, { breakOK: !hasFunction('break'), continueOK: !hasFunction('continue') });
  }

  private errorf(msg: string, pos?: number): never {
    const token = this.tokenBuf[0] ?? this.items[Math.max(0, this.index - 1)];
    throw new GoTemplateParseError(
      `template: ${this.name}:${token?.line ?? 1}: ${msg}`,
      pos ?? token?.pos ?? 0,
    );
  }

  private nextItem(): Item {
    const item = this.items[this.index];
    if (item === undefined) return this.items[this.items.length - 1];
    this.index++;
    return item;
  }

  // Go's parser keeps a three-token lookahead buffer; token[0] is the one most recently read.
  next(): Item {
    if (this.peekCount > 0) this.peekCount--;
    else this.tokenBuf[0] = this.nextItem();
    return this.tokenBuf[this.peekCount];
  }
  backup(): void {
    this.peekCount++;
  }
  backup2(t1: Item): void {
    this.tokenBuf[1] = t1;
    this.peekCount = 2;
  }
  backup3(t2: Item, t1: Item): void {
    this.tokenBuf[1] = t1;
    this.tokenBuf[2] = t2;
    this.peekCount = 3;
  }
  peek(): Item {
    if (this.peekCount > 0) return this.tokenBuf[this.peekCount - 1];
    this.peekCount = 1;
    this.tokenBuf[0] = this.nextItem();
    return this.tokenBuf[0];
  }
  nextNonSpace(): Item {
    let token: Item;
    for (;;) {
      token = this.next();
      if (token.type !== 'space') break;
    }
    return token;
  }
  peekNonSpace(): Item {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  private unexpected(token: Item, context: string): never {
    if (token.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== token.line) {
        extra = ` in action started at ${this.name}:${this.actionLine}`;
        if (token.value.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.errorf(`${itemString(token)}${extra}`, token.pos);
    }
    this.errorf(`unexpected ${itemString(token)} in ${context}`, token.pos);
  }

  private expect(expected: ItemType, context: string): Item {
    const token = this.nextNonSpace();
    if (token.type !== expected) this.unexpected(token, context);
    return token;
  }

  parse(): ListNode {
    const root: ListNode = { type: 'list', pos: this.peek().pos, nodes: [] };
    while (this.peek().type !== 'eof') {
      if (this.peek().type === 'leftDelim') {
        const delim = this.next();
        if (this.nextNonSpace().type === 'define') {
          this.parseDefinition();
          continue;
        }
        this.backup2(delim);
      }
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') this.errorf(`unexpected ${nodeString(n)}`);
      root.nodes.push(n);
    }
    return root;
  }

  private parseDefinition(): void {
    const context = 'define clause';
    const token = this.nextNonSpace();
    if (token.type !== 'string' && token.type !== 'rawString') this.unexpected(token, context);
    let name: string;
    try {
      name = unquote(token.value);
    } catch (e) {
      this.errorf((e as Error).message);
    }
    this.expect('rightDelim', context);
    const saved = this.vars;
    this.vars = ['$'];
    const [list, end] = this.itemList();
    this.vars = saved;
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.defines.set(name, list);
  }

  private itemList(): [ListNode, EndNode | ElseNode] {
    const list: ListNode = { type: 'list', pos: this.peekNonSpace().pos, nodes: [] };
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n.type === 'end' || n.type === 'else') return [list, n];
      list.nodes.push(n);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): Node | EndNode | ElseNode {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'text':
        return { type: 'text', pos: token.pos, text: token.value };
      case 'leftDelim': {
        this.actionLine = token.line;
        try {
          return this.action();
        } finally {
          this.actionLine = 0;
        }
      }
      default:
        this.unexpected(token, 'input');
    }
  }

  private action(): Node | EndNode | ElseNode {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'block':
        return this.blockControl();
      case 'break':
        return this.breakControl(token, 'break');
      case 'continue':
        return this.breakControl(token, 'continue');
      case 'else':
        return this.elseControl();
      case 'end':
        return { type: 'end', pos: this.expect('rightDelim', 'end').pos };
      case 'if':
        return this.control('if', true);
      case 'range':
        return this.control('range', false);
      case 'template':
        return this.templateControl();
      case 'with':
        return this.control('with', false);
    }
    this.backup();
    const t = this.peek();
    return { type: 'action', pos: t.pos, line: t.line, pipe: this.pipeline('command', 'rightDelim') };
  }

  private breakControl(token: Item, kind: 'break' | 'continue'): BreakNode {
    const t = this.nextNonSpace();
    if (t.type !== 'rightDelim') this.unexpected(t, `{{${kind}}}`);
    if (this.rangeDepth === 0) this.errorf(`{{${kind}}} outside {{range}}`);
    return { type: kind, pos: token.pos };
  }

  private pipeline(context: string, end: ItemType): PipeNode {
    const token = this.peekNonSpace();
    const pipe: PipeNode = {
      type: 'pipe',
      pos: token.pos,
      line: token.line,
      isAssign: false,
      decl: [],
      cmds: [],
    };
    decls: for (;;) {
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.next();
      const tokenAfterVariable = this.peek();
      const next = this.peekNonSpace();
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.value));
        this.vars.push(v.value);
      } else if (next.type === 'char' && next.value === ',') {
        this.nextNonSpace();
        pipe.decl.push(this.newVariable(v.pos, v.value));
        this.vars.push(v.value);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace().type;
          if (p === 'variable' || p === 'rightDelim' || p === 'rightParen') continue decls;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      } else if (tokenAfterVariable.type === 'space') {
        this.backup3(v, tokenAfterVariable);
      } else {
        this.backup2(v);
      }
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      if (token.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      switch (token.type) {
        case 'bool':
        case 'charConstant':
        case 'complex':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const t = c.args[0].type;
      if (t === 'bool' || t === 'dot' || t === 'nil' || t === 'number' || t === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private control(kind: 'if' | 'range' | 'with', allowElseIf: boolean): BranchNode {
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, first] = this.itemList();
    let next = first;
    if (kind === 'range') this.rangeDepth--;
    let elseList: ListNode | undefined;
    if (next.type === 'else') {
      if (allowElseIf && this.peek().type === 'if') {
        this.next();
        elseList = { type: 'list', pos: next.pos, nodes: [this.control('if', true)] };
      } else {
        [elseList, next] = this.itemList();
        if (next.type !== 'end') this.errorf(`expected end; found ${nodeString(next)}`);
      }
    }
    this.vars.length = mark;
    return { type: kind, pos: pipe.pos, line: pipe.line, pipe, list, elseList };
  }

  private elseControl(): ElseNode {
    const peek = this.peekNonSpace();
    if (peek.type === 'if') return { type: 'else', pos: peek.pos };
    return { type: 'else', pos: this.expect('rightDelim', 'else').pos };
  }

  private parseTemplateName(token: Item, context: string): string {
    if (token.type === 'string' || token.type === 'rawString') {
      try {
        return unquote(token.value);
      } catch (e) {
        this.errorf((e as Error).message);
      }
    }
    this.unexpected(token, context);
  }

  private templateControl(): TemplateNode {
    const context = 'template clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    let pipe: PipeNode | undefined;
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup();
      pipe = this.pipeline(context, 'rightDelim');
    }
    return { type: 'template', pos: token.pos, name, pipe };
  }

  private blockControl(): TemplateNode {
    const context = 'block clause';
    const token = this.nextNonSpace();
    const name = this.parseTemplateName(token, context);
    const pipe = this.pipeline(context, 'rightDelim');
    const [list, end] = this.itemList();
    if (end.type !== 'end') this.errorf(`unexpected ${nodeString(end)} in ${context}`);
    this.defines.set(name, list);
    return { type: 'template', pos: token.pos, name, pipe };
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type !== 'pipe') this.unexpected(token, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    const node = this.term();
    if (!node) return undefined;
    if (this.peek().type === 'field') {
      const chainPos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().type === 'field') fields.push(this.next().value.slice(1));
      switch (node.type) {
        case 'field':
          return { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
        case 'variable':
          return { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
        // falls through (errorf never returns)
        default:
          return { type: 'chain', pos: chainPos, node, field: fields };
      }
    }
    return node;
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'identifier':
        if (!this.hasFunction(token.value))
          this.errorf(`function ${goQuote(token.value)} not defined`, token.pos);
        return { type: 'identifier', pos: token.pos, ident: token.value };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable':
        return this.useVar(token.pos, token.value);
      case 'field':
        return { type: 'field', pos: token.pos, ident: token.value.slice(1).split('.') };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.value === 'true' };
      case 'charConstant':
      case 'complex':
      case 'number':
        try {
          return parseNumber(token.pos, token.value, token.type);
        } catch (e) {
          this.errorf((e as Error).message, token.pos);
        }
      // falls through (errorf never returns)
      case 'leftParen':
        return this.pipeline('parenthesized pipeline', 'rightParen');
      case 'string':
      case 'rawString':
        try {
          return { type: 'string', pos: token.pos, quoted: token.value, text: unquote(token.value) };
        } catch (e) {
          this.errorf((e as Error).message, token.pos);
        }
    }
    this.backup();
    return undefined;
  }

  private newVariable(pos: number, name: string): VariableNode {
    return { type: 'variable', pos, ident: name.split('.') };
  }

  private useVar(pos: number, name: string): VariableNode {
    const v = this.newVariable(pos, name);
    if (this.vars.includes(v.ident[0])) return v;
    this.errorf(`undefined variable ${goQuote(v.ident[0])}`, pos);
  }
}

/**
 * Parses a template as `template.New(name).Funcs(funcs).Parse(text)` does. `hasFunction` says which
 * function names exist (Go checks them at parse time). Throws GoTemplateParseError.
 */
export function parseGoTemplate(
  text: string,
  name: string,
  hasFunction: (name: string) => boolean,
): ParsedTemplate {
  const parser = new Parser(name, text, hasFunction);
  const root = parser.parse();
  return { name, text, root, defines: parser.defines };
}
