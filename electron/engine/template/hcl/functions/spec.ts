/**
 * How a function is described and called, with cty's calling convention (cty/function): parameters
 * declare a type and whether null, unknown, dynamic-typed or marked arguments reach the
 * implementation; otherwise a null argument is an error, an unknown one makes the result unknown,
 * and marks are lifted off the arguments and put back on the result.
 */
import type { Diagnostic } from '../../source';
import type { TemplateHost } from '../../host';
import type { Expression } from '../ast';
import { conformanceError, DYNAMIC, type Type } from '../types';
import { Value, type Mark } from '../values';

export interface Parameter {
  name: string;
  type: Type;
  allowNull?: boolean;
  allowUnknown?: boolean;
  allowDynamicType?: boolean;
  allowMarked?: boolean;
  /**
   * `expression`: the argument is not evaluated but handed over as an expression to evaluate later
   * (`try`, `can`); `type`: the argument is read as a type constraint (`convert`).
   */
  kind?: 'value' | 'expression' | 'type';
}

/** Parses template text (the lead wires in the HCL parser's `parseTemplate`). */
export type TemplateParser = (text: string, file: string) => { expr: Expression; diagnostics: Diagnostic[] };

/** What a function implementation can reach besides its arguments. */
export interface FunctionContext {
  host?: TemplateHost;
  /** Directory relative paths of file functions resolve against (`path.root`). */
  baseDir: string;
  parseTemplate?: TemplateParser;
  /** The function table in effect, for functions that evaluate templates. */
  functions: FunctionTable;
  /** Per argument: the unevaluated expression of an `expression` parameter. */
  expressions: readonly (Expression | undefined)[];
  /** Per argument: the type read from a `type` parameter. */
  types: readonly (Type | undefined)[];
  /** Evaluates an expression in the caller's scope. */
  evaluate(expr: Expression): { value: Value; diagnostics: Diagnostic[] };
  /** Evaluates an expression in a fresh scope holding only `variables`, with the given functions. */
  evaluateIsolated(
    expr: Expression,
    variables: ReadonlyMap<string, Value>,
    functions: FunctionTable,
  ): { value: Value; diagnostics: Diagnostic[] };
}

export interface FunctionDef {
  description?: string;
  params: Parameter[];
  varParam?: Parameter;
  /** The result type for these arguments (possibly unknown ones); throw FunctionError to reject them. */
  returnType: Type | ((args: Value[], ctx: FunctionContext) => Type);
  impl(args: Value[], returnType: Type, ctx: FunctionContext): Value;
}

export type FunctionTable = ReadonlyMap<string, FunctionDef>;

/** A failure of the call as a whole: "Call to function "f" failed: <message>." */
export class FunctionError extends Error {}

/** A failure blamed on one argument: "Invalid value for "<param>" parameter: <message>." */
export class ArgError extends FunctionError {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export function defineFunction(def: FunctionDef): FunctionDef {
  return def;
}

function paramFor(def: FunctionDef, index: number): Parameter | undefined {
  return index < def.params.length ? def.params[index] : def.varParam;
}

/**
 * Calls a function with already-converted arguments, following cty's Function.Call: argument checks,
 * the return type, unknown short-circuit, marks, then the implementation. Throws FunctionError.
 */
export function callFunction(def: FunctionDef, args: Value[], ctx: FunctionContext): Value {
  if (!def.varParam && args.length !== def.params.length) {
    throw new FunctionError(
      `wrong number of arguments (${def.params.length} required; ${args.length} given)`,
    );
  }
  if (def.varParam && args.length < def.params.length) {
    throw new FunctionError(
      `wrong number of arguments (at least ${def.params.length} required; ${args.length} given)`,
    );
  }

  // Return type check, with the arguments as the type function would see them.
  const typeArgs = [...args];
  let dynamicArgs = false;
  for (let i = 0; i < args.length; i++) {
    const param = paramFor(def, i)!;
    if (param.kind === 'expression' || param.kind === 'type') continue;
    let value = args[i];
    if (value.containsMarked() && !param.allowMarked) {
      value = value.unmarkDeep()[0];
      typeArgs[i] = value;
    }
    if (value.isNull() && !param.allowNull) throw new ArgError(i, 'argument must not be null');
    if (value.type.kind === 'dynamic') {
      if (!param.allowDynamicType) {
        dynamicArgs = true;
        break;
      }
    } else {
      const err = conformanceError(value.type, param.type);
      if (err) throw new ArgError(i, err);
    }
  }
  if (dynamicArgs) return Value.unknown(DYNAMIC);
  const returnType = typeof def.returnType === 'function' ? def.returnType(typeArgs, ctx) : def.returnType;

  const resultMarks: ReadonlySet<Mark>[] = [];
  const callArgs = [...args];
  let returnUnknown = false;
  for (let i = 0; i < args.length; i++) {
    const param = paramFor(def, i)!;
    if (param.kind === 'expression' || param.kind === 'type') continue;
    if (!param.allowMarked) {
      const [unmarked, marks] = args[i].unmarkDeep();
      if (marks.size > 0) {
        callArgs[i] = unmarked;
        resultMarks.push(marks);
      }
    }
    if (!args[i].isKnown() && !param.allowUnknown) returnUnknown = true;
  }
  if (returnUnknown) return Value.unknown(returnType).withMarks(...resultMarks);
  return def.impl(callArgs, returnType, ctx).withMarks(...resultMarks);
}
