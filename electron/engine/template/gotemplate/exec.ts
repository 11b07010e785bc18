/**
 * Executes a parsed text/template tree over Go-like values, with Go's semantics and error wording:
 * `template: <name>:<line>:<col>: executing "<name>" at <<node>>: <message>`.
 */
import { sprint, sprintf, sprintln } from './fmt';
import { goQuote } from '../hcl/gostrings';
import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  IdentifierNode,
  ListNode,
  Node,
  NumberNode,
  ParsedTemplate,
  PipeNode,
  VariableNode,
} from './parser';
import { nodeString } from './parser';
import { GoFloat, GoStruct, type GoValue, formatValue, goTypeName, isGoMap, isTrue } from './values';

/**
 * A parameter's Go type: `string`, `int`, `any` (interface{}: a missing value becomes nil) or `value`
 * (reflect.Value, as the builtins take it: a missing value stays missing).
 */
export type ParamType = 'string' | 'int' | 'any' | 'value';

export interface GoFunction {
  /** The fixed parameters. */
  params: ParamType[];
  /** Element type of a final `...` parameter. */
  variadic?: ParamType;
  /** Returns the result; throwing an Error is Go's returned error (`error calling <name>: <message>`). */
  call(args: GoValue[]): GoValue;
}

export type FuncMap = Readonly<Record<string, GoFunction>>;

/** A text/template execution failure, worded as Go words it. */
export class GoTemplateExecError extends Error {
  constructor(
    message: string,
    /** Offset in the template text of the node at fault. */
    readonly pos: number,
  ) {
    super(message);
    this.name = 'GoTemplateExecError';
  }
}

const MISSING: unique symbol = Symbol('missing');
type Final = GoValue | typeof MISSING;

class BreakSignal {}
class ContinueSignal {}

const PARAM_TYPE_NAME: Record<ParamType, string> = {
  string: 'string',
  int: 'int',
  any: 'interface {}',
  value: 'reflect.Value',
};

const utf8Length = (s: string) => new TextEncoder().encode(s).length;

export class Executor {
  private node: { pos: number; text: string } | undefined;
  private vars: { name: string; value: GoValue }[];
  private depth = 0;

  constructor(
    private readonly tpl: ParsedTemplate,
    private readonly funcs: FuncMap,
    data: GoValue,
  ) {
    this.vars = [{ name: '$', value: data }];
  }

  run(data: GoValue): string {
    return this.walk(data, false, this.tpl.root);
  }

  private at(pos: number, text: string): void {
    this.node = { pos, text };
  }

  private atNode(n: ArgNode | CommandNode | PipeNode | Node): void {
    this.at(n.pos, nodeString(n));
  }

  private errorf(msg: string): never {
    const name = this.tpl.name;
    if (!this.node) throw new GoTemplateExecError(`template: ${name}: ${msg}`, 0);
    const before = this.tpl.text.slice(0, this.node.pos);
    const nl = before.lastIndexOf('\n');
    const line = 1 + (before.match(/\n/g)?.length ?? 0);
    const col = nl === -1 ? utf8Length(before) : utf8Length(before.slice(nl + 1));
    throw new GoTemplateExecError(
      `template: ${name}:${line}:${col}: executing ${goQuote(name)} at <${this.node.text}>: ${msg}`,
      this.node.pos,
    );
  }

  // --- variables

  private mark(): number {
    return this.vars.length;
  }
  private pop(mark: number): void {
    this.vars.length = mark;
  }
  private push(name: string, value: GoValue): void {
    this.vars.push({ name, value });
  }
  private setVar(name: string, value: GoValue): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i].name === name) {
        this.vars[i].value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }
  private setTopVar(n: number, value: GoValue): void {
    this.vars[this.vars.length - n].value = value;
  }
  private varValue(name: string): GoValue {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i].value;
    this.errorf(`undefined variable: ${name}`);
  }

  // --- walking

  private walk(dot: GoValue, dotIface: boolean, node: Node): string {
    switch (node.type) {
      case 'action': {
        const val = this.evalPipeline(dot, dotIface, node.pipe);
        if (node.pipe.decl.length === 0) return formatValue(val);
        return '';
      }
      case 'text':
        return node.text;
      case 'list':
        return node.nodes.map((n) => this.walk(dot, dotIface, n)).join('');
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, dotIface, node);
      case 'range':
        return this.walkRange(dot, dotIface, node);
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
      case 'template': {
        this.atNode(node);
        const body = this.tpl.defines.get(node.name);
        if (!body) this.errorf(`template ${goQuote(node.name)} not defined`);
        if (++this.depth > 100000) this.errorf('exceeded maximum template depth (100000)');
        const newDot = node.pipe ? this.evalPipeline(dot, dotIface, node.pipe) : undefined;
        const saved = this.vars;
        this.vars = [{ name: '$', value: newDot }];
        try {
          return this.walk(newDot, false, body);
        } finally {
          this.vars = saved;
          this.depth--;
        }
      }
    }
  }

  private walkIfOrWith(dot: GoValue, dotIface: boolean, node: BranchNode): string {
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, dotIface, node.pipe);
      if (isTrue(val)) {
        return node.type === 'with' ? this.walk(val, false, node.list) : this.walk(dot, dotIface, node.list);
      }
      return node.elseList ? this.walk(dot, dotIface, node.elseList) : '';
    } finally {
      this.pop(mark);
    }
  }

  private walkRange(dot: GoValue, dotIface: boolean, node: BranchNode): string {
    this.atNode(node);
    const mark = this.mark();
    try {
      const val = this.evalPipeline(dot, dotIface, node.pipe);
      const decl = node.pipe.decl;
      let out = '';
      const oneIteration = (index: GoValue, elem: GoValue): boolean => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0].ident[0], decl.length > 1 ? index : elem);
          else this.setTopVar(1, elem);
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1].ident[0], elem);
          else this.setTopVar(2, index);
        }
        const inner = this.mark();
        try {
          out += this.walkCollect(elem, node.list);
        } catch (e) {
          if (e instanceof BreakSignal) return false;
          if (!(e instanceof ContinueSignal)) throw e;
        } finally {
          this.pop(inner);
        }
        return true;
      };
      if (Array.isArray(val)) {
        if (val.length === 0) return node.elseList ? this.walk(dot, dotIface, node.elseList) : '';
        for (let i = 0; i < val.length; i++) if (!oneIteration(i, val[i])) break;
        return out;
      }
      if (isGoMap(val)) {
        const keys = Object.keys(val).sort();
        if (keys.length === 0) return node.elseList ? this.walk(dot, dotIface, node.elseList) : '';
        for (const k of keys) if (!oneIteration(k, val[k])) break;
        return out;
      }
      if (val === undefined || val === null)
        return node.elseList ? this.walk(dot, dotIface, node.elseList) : '';
      this.errorf(`range can't iterate over ${formatValue(val)}`);
    } finally {
      this.pop(mark);
    }
  }

  /** Walks a range body with an element as dot: range elements are interface values in Go. */
  private walkCollect(elem: GoValue, list: ListNode): string {
    return this.walk(elem, true, list);
  }

  // --- evaluation

  evalPipeline(dot: GoValue, dotIface: boolean, pipe: PipeNode): GoValue {
    this.atNode(pipe);
    let value: Final = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, dotIface, cmd, value);
    const result = value === MISSING ? undefined : value;
    for (const v of pipe.decl) {
      if (pipe.isAssign) this.setVar(v.ident[0], result);
      else this.push(v.ident[0], result);
    }
    return result;
  }

  private notAFunction(args: ArgNode[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.errorf(`can't give argument to non-function ${nodeString(args[0])}`);
  }

  private evalCommand(dot: GoValue, dotIface: boolean, cmd: CommandNode, final: Final): GoValue {
    const first = cmd.args[0];
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, dotIface, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, dotIface, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, dotIface, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, dotIface, first);
      case 'variable':
        return this.evalVariableNode(dot, dotIface, first, cmd.args, final);
    }
    this.atNode(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        this.errorf('nil is not a command');
      // falls through (errorf never returns)
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): GoValue {
    this.atNode(n);
    if (n.isComplex) this.errorf(`${n.text} is a complex number`);
    const hex = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !hex && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return new GoFloat(n.float);
    if (n.isInt) return n.int;
    this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(
    dot: GoValue,
    dotIface: boolean,
    field: FieldNode,
    args: ArgNode[],
    final: Final,
  ): GoValue {
    this.atNode(field);
    return this.evalFieldChain(dot, dotIface, dot, dotIface, field, field.ident, args, final);
  }

  private evalChainNode(
    dot: GoValue,
    dotIface: boolean,
    chain: ChainNode,
    args: ArgNode[],
    final: Final,
  ): GoValue {
    this.atNode(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, dotIface, undefined, chain.node);
    return this.evalFieldChain(dot, dotIface, pipe, false, chain, chain.field, args, final);
  }

  private evalVariableNode(
    dot: GoValue,
    dotIface: boolean,
    variable: VariableNode,
    args: ArgNode[],
    final: Final,
  ): GoValue {
    this.atNode(variable);
    const value = this.varValue(variable.ident[0]);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, dotIface, value, false, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: GoValue,
    dotIface: boolean,
    receiver: GoValue,
    receiverIface: boolean,
    node: ArgNode,
    ident: string[],
    args: ArgNode[],
    final: Final,
  ): GoValue {
    let current = receiver;
    let iface = receiverIface;
    for (let i = 0; i < ident.length - 1; i++) {
      [current, iface] = this.evalField(ident[i], [], MISSING, current, iface);
    }
    return this.evalField(ident[ident.length - 1], args, final, current, iface)[0];
  }

  private evalField(
    fieldName: string,
    args: ArgNode[],
    final: Final,
    receiver: GoValue,
    receiverIface: boolean,
  ): [GoValue, boolean] {
    if (receiver === undefined) return [undefined, false];
    const typeName = receiverIface ? 'interface {}' : goTypeName(receiver);
    if (receiver === null) this.errorf(`nil pointer evaluating ${typeName}.${fieldName}`);
    const hasArgs = args.length > 1 || final !== MISSING;
    if (receiver instanceof GoStruct) {
      if (Object.prototype.hasOwnProperty.call(receiver.fields, fieldName)) {
        if (hasArgs) this.errorf(`${fieldName} has arguments but cannot be invoked as function`);
        return [receiver.fields[fieldName], false];
      }
    } else if (isGoMap(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      const value = Object.prototype.hasOwnProperty.call(receiver, fieldName)
        ? receiver[fieldName]
        : undefined;
      return [value, true];
    }
    this.errorf(`can't evaluate field ${fieldName} in type ${typeName}`);
  }

  private evalFunction(
    dot: GoValue,
    dotIface: boolean,
    node: IdentifierNode,
    cmd: CommandNode | IdentifierNode,
    args: ArgNode[] | undefined,
    final: Final,
  ): GoValue {
    this.atNode(node);
    const name = node.ident;
    const fn = Object.prototype.hasOwnProperty.call(this.funcs, name) ? this.funcs[name] : BUILTINS[name];
    if (!fn) this.errorf(`${goQuote(name)} is not a defined function`);
    return this.evalCall(dot, dotIface, fn, !this.funcs[name], cmd, name, args, final);
  }

  private evalCall(
    dot: GoValue,
    dotIface: boolean,
    fn: GoFunction,
    isBuiltin: boolean,
    node: CommandNode | IdentifierNode,
    name: string,
    allArgs: ArgNode[] | undefined,
    final: Final,
  ): GoValue {
    const args = allArgs ? allArgs.slice(1) : [];
    const numIn = args.length + (final !== MISSING ? 1 : 0);
    let numFixed = args.length;
    if (fn.variadic) {
      numFixed = fn.params.length;
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${fn.params.length} got ${args.length}`);
      }
    } else if (numIn !== fn.params.length) {
      this.errorf(`wrong number of args for ${name}: want ${fn.params.length} got ${numIn}`);
    }
    if (isBuiltin && (name === 'and' || name === 'or')) {
      let v: GoValue = undefined;
      for (const arg of args) {
        v = this.evalArg(dot, dotIface, 'value', arg);
        if (isTrue(v) === (name === 'or')) return v;
      }
      if (final !== MISSING) v = final;
      return v;
    }
    const argv: GoValue[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++)
      argv.push(this.evalArg(dot, dotIface, fn.params[i], args[i]));
    if (fn.variadic)
      for (; i < args.length; i++) argv.push(this.evalArg(dot, dotIface, fn.variadic, args[i]));
    if (final !== MISSING) {
      let t: ParamType;
      if (fn.variadic) t = numIn - 1 < numFixed ? fn.params[numIn - 1] : fn.variadic;
      else t = fn.params[fn.params.length - 1];
      argv.push(this.validateType(final, t));
    }
    try {
      return fn.call(argv);
    } catch (err) {
      if (err instanceof GoTemplateExecError) throw err;
      this.atNode(node);
      this.errorf(`error calling ${name}: ${(err as Error).message}`);
    }
  }

  private validateType(value: GoValue, type: ParamType | undefined): GoValue {
    if (value === undefined) {
      if (type === undefined || type === 'value') return undefined;
      if (type === 'any') return null;
      this.errorf(`invalid value; expected ${PARAM_TYPE_NAME[type]}`);
    }
    if (type === undefined || type === 'any' || type === 'value') return value;
    if (type === 'string' && typeof value === 'string') return value;
    if (type === 'int' && typeof value === 'number') return value;
    this.errorf(`wrong type for value; expected ${PARAM_TYPE_NAME[type]}; got ${goTypeName(value)}`);
  }

  private evalArg(dot: GoValue, dotIface: boolean, type: ParamType | undefined, n: ArgNode): GoValue {
    this.atNode(n);
    switch (n.type) {
      case 'field':
        return this.validateType(this.evalFieldNode(dot, dotIface, n, [n], MISSING), type);
      case 'variable':
        return this.validateType(this.evalVariableNode(dot, dotIface, n, [], MISSING), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, dotIface, n), type);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, dotIface, n, n, undefined, MISSING), type);
      case 'chain':
        return this.validateType(this.evalChainNode(dot, dotIface, n, [], MISSING), type);
    }
    if (n.type === 'nil') {
      if (type === undefined || type === 'any' || type === 'value') return null;
      this.errorf(`cannot assign nil to ${PARAM_TYPE_NAME[type]}`);
    }
    switch (type) {
      case 'string':
        if (n.type === 'string') return n.text;
        this.errorf(`expected string; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      case 'int':
        if (n.type === 'number' && n.isInt) return n.int;
        this.errorf(`expected integer; found ${nodeString(n)}`);
      // falls through (errorf never returns)
      default:
        switch (n.type) {
          case 'bool':
            return n.value;
          case 'dot':
            return dot;
          case 'number':
            return this.idealConstant(n);
          case 'string':
            return n.text;
        }
    }
    this.errorf(
      `can't handle ${nodeString(n)} for arg of type ${type ? PARAM_TYPE_NAME[type] : 'interface {}'}`,
    );
  }
}

// --- Go's builtin functions

type Kind = 'invalid' | 'bool' | 'int' | 'float' | 'string' | 'other';
function basicKind(v: GoValue): Kind {
  if (v === undefined || v === null) return 'invalid';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'int';
  if (v instanceof GoFloat) return 'float';
  if (typeof v === 'string') return 'string';
  return 'other';
}
const scalar = (v: GoValue) => (v instanceof GoFloat ? v.value : v);

function eq(arg1: GoValue, rest: GoValue[]): boolean {
  if (arg1 !== undefined && arg1 !== null && basicKind(arg1) === 'other' && !(arg1 instanceof GoStruct)) {
    throw new Error(`uncomparable type ${goTypeName(arg1)}: ${formatValue(arg1)}`);
  }
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    if (k1 !== k2) {
      if (arg1 !== undefined && arg !== undefined && arg1 !== null && arg !== null) {
        throw new Error('incompatible types for comparison');
      }
      if ((arg1 === null || arg1 === undefined) && (arg === null || arg === undefined)) return true;
      continue;
    }
    if (k1 === 'invalid') return true;
    if (k1 === 'other') {
      if (arg1 === arg) return true;
      continue;
    }
    if (scalar(arg1) === scalar(arg)) return true;
  }
  return false;
}

function lt(a: GoValue, b: GoValue): boolean {
  const k1 = basicKind(a);
  const k2 = basicKind(b);
  if (k1 === 'invalid' || k1 === 'bool' || k1 === 'other') throw new Error('invalid type for comparison');
  if (k1 !== k2) {
    if (k2 === 'invalid' || k2 === 'bool' || k2 === 'other') throw new Error('invalid type for comparison');
    throw new Error('incompatible types for comparison');
  }
  return (scalar(a) as number | string) < (scalar(b) as number | string);
}

function evalArgsString(args: GoValue[]): string {
  if (args.length === 1 && typeof args[0] === 'string') return args[0];
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

function indexOne(item: GoValue, index: GoValue): GoValue {
  if (Array.isArray(item) || typeof item === 'string') {
    if (index === null || index === undefined) throw new Error('cannot index slice/array with nil');
    if (typeof index !== 'number') throw new Error(`cannot index slice/array with type ${goTypeName(index)}`);
    const len = typeof item === 'string' ? new TextEncoder().encode(item).length : item.length;
    if (index < 0 || index >= len) throw new Error(`index out of range: ${index}`);
    return typeof item === 'string' ? new TextEncoder().encode(item)[index] : item[index];
  }
  if (isGoMap(item)) {
    if (typeof index !== 'string') {
      if (index === null || index === undefined) throw new Error('value is nil; should be of type string');
      throw new Error(`value has type ${goTypeName(index)}; should be string`);
    }
    return Object.prototype.hasOwnProperty.call(item, index) ? item[index] : null;
  }
  if (item === null || item === undefined) throw new Error('index of untyped nil');
  throw new Error(`can't index item of type ${goTypeName(item)}`);
}

export const BUILTINS: Readonly<Record<string, GoFunction>> = {
  and: { params: ['value'], variadic: 'value', call: (a) => a[a.length - 1] },
  or: { params: ['value'], variadic: 'value', call: (a) => a[a.length - 1] },
  not: { params: ['value'], call: ([a]) => !isTrue(a) },
  len: {
    params: ['value'],
    call: ([a]) => {
      if (a === undefined || a === null) throw new Error('len of untyped nil');
      if (typeof a === 'string') return new TextEncoder().encode(a).length;
      if (Array.isArray(a)) return a.length;
      if (isGoMap(a)) return Object.keys(a).length;
      throw new Error(`len of type ${goTypeName(a)}`);
    },
  },
  index: {
    params: ['value'],
    variadic: 'value',
    call: ([item, ...indexes]) => {
      if (item === undefined) throw new Error('index of untyped nil');
      let v: GoValue = item;
      for (const i of indexes) v = indexOne(v, i);
      return v;
    },
  },
  slice: {
    params: ['value'],
    variadic: 'value',
    call: ([item, ...indexes]) => {
      if (item === undefined || item === null) throw new Error('slice of untyped nil');
      if (indexes.length > 3) throw new Error(`too many slice indexes: ${indexes.length}`);
      if (typeof item !== 'string' && !Array.isArray(item))
        throw new Error(`can't slice item of type ${goTypeName(item)}`);
      const len = item.length;
      const idx = indexes.map((i) => {
        if (typeof i !== 'number') throw new Error(`cannot index slice/array with type ${goTypeName(i)}`);
        if (i < 0 || i > len) throw new Error(`index out of range: ${i}`);
        return i;
      });
      const [lo = 0, hi = len] = idx;
      if (lo > hi) throw new Error(`invalid slice index: ${lo} > ${hi}`);
      return item.slice(lo, hi);
    },
  },
  print: { params: [], variadic: 'any', call: (a) => sprint(a) },
  println: { params: [], variadic: 'any', call: (a) => sprintln(a) },
  printf: { params: ['string'], variadic: 'any', call: ([f, ...a]) => sprintf(f as string, a) },
  eq: { params: ['value'], variadic: 'value', call: ([a, ...rest]) => eq(a, rest) },
  ne: { params: ['value', 'value'], call: ([a, b]) => !eq(a, [b]) },
  lt: { params: ['value', 'value'], call: ([a, b]) => lt(a, b) },
  le: { params: ['value', 'value'], call: ([a, b]) => lt(a, b) || eq(a, [b]) },
  gt: { params: ['value', 'value'], call: ([a, b]) => !(lt(a, b) || eq(a, [b])) },
  ge: { params: ['value', 'value'], call: ([a, b]) => !lt(a, b) },
  html: {
    params: [],
    variadic: 'any',
    call: (a) =>
      evalArgsString(a).replace(/[\0"'&<>]/g, (c) =>
        c === '\0' ? '\uFFFD' : { '"': '&#34;', "'": '&#39;', '&': '&amp;', '<': '&lt;', '>': '&gt;' }[c]!,
      ),
  },
  js: {
    params: [],
    variadic: 'any',
    call: (a) =>
      [...evalArgsString(a)]
        .map((c) => {
          if (c === '\\' || c === "'" || c === '"') return '\\' + c;
          if ('<>&='.includes(c) || c.charCodeAt(0) < 0x20) {
            return `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
          }
          return c;
        })
        .join(''),
  },
  urlquery: {
    params: [],
    variadic: 'any',
    call: (a) =>
      encodeURIComponent(evalArgsString(a))
        .replace(/%20/g, '+')
        .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  },
  call: {
    params: ['value'],
    variadic: 'value',
    call: ([fn]) => {
      if (fn === undefined || fn === null) throw new Error('call of nil');
      throw new Error(`non-function of type ${goTypeName(fn)}`);
    },
  },
};
