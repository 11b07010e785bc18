/**
 * Shared helpers for the function tests: evaluate a call built with `build.ts` against the Packer
 * function table and an in-memory host, and read back the value or the problems.
 */
import { memoryHost, type MemoryHostOptions } from '../../host';
import type { Expression } from '../ast';
import * as b from '../build';
import { displayValue } from '../display';
import { evaluate, type EvalContext } from '../eval';
import type { Value } from '../values';
import { packerFunctions } from './index';

export interface CallOptions {
  host?: MemoryHostOptions;
  baseDir?: string;
  variables?: Record<string, Value>;
  parseTemplate?: EvalContext['parseTemplate'];
}

export function evalCall(name: string, args: Expression[], options: CallOptions = {}) {
  return evaluate(b.call(name, ...args), {
    variables: options.variables ?? {},
    functions: packerFunctions(),
    host: memoryHost(options.host ?? {}),
    baseDir: options.baseDir,
    parseTemplate: options.parseTemplate,
  });
}

/** The call's value as `packer console` prints it; fails the test on diagnostics. */
export function show(name: string, ...args: Expression[]): string {
  const r = evalCall(name, args);
  if (r.diagnostics.length > 0) {
    throw new Error(
      `unexpected diagnostics: ${r.diagnostics.map((d) => `${d.summary}: ${d.detail}`).join(' | ')}`,
    );
  }
  return displayValue(r.value);
}

/** The call's result value; fails the test on diagnostics. */
export function value(name: string, ...args: Expression[]): Value {
  const r = evalCall(name, args);
  if (r.diagnostics.length > 0) {
    throw new Error(
      `unexpected diagnostics: ${r.diagnostics.map((d) => `${d.summary}: ${d.detail}`).join(' | ')}`,
    );
  }
  return r.value;
}

/** The one diagnostic's detail (expects exactly one). */
export function problem(name: string, ...args: Expression[]): string {
  const r = evalCall(name, args);
  if (r.diagnostics.length !== 1)
    throw new Error(`expected one diagnostic, got ${r.diagnostics.length}: ${displayValue(r.value)}`);
  return r.diagnostics[0].detail;
}

export const s = (text: string) => b.str(text);
export const n = (x: number | string) => b.num(x);
export const list = (...items: Expression[]) => b.tuple(...items);
export const strings = (...items: string[]) => b.tuple(...items.map((x) => b.str(x)));
export const numbers = (...items: (number | string)[]) => b.tuple(...items.map((x) => b.num(x)));
export { b };
