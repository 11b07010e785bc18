/**
 * `convert` (hcl typeexpr), `try` and `can` (hcl tryfunc), and `env` (Packer, variable defaults only).
 */
import { formatRange } from '../../source';
import { tryConvert } from '../convert';
import { BOOL, DYNAMIC, STRING, type Type } from '../types';
import { DYNAMIC_VALUE, Value } from '../values';
import { ArgError, defineFunction, FunctionError, type FunctionContext } from './spec';

function targetType(ctx: FunctionContext): Type {
  return ctx.types[1] ?? DYNAMIC;
}

export const convertFunction = defineFunction({
  description: 'convert',
  params: [
    { name: 'value', type: DYNAMIC, allowNull: true, allowDynamicType: true },
    { name: 'type', type: DYNAMIC, kind: 'type' },
  ],
  returnType(args, ctx) {
    const r = tryConvert(args[0], targetType(ctx));
    if (!r.ok) throw new ArgError(0, r.error.message);
    return r.value.type;
  },
  impl([value], _t, ctx) {
    const r = tryConvert(value, targetType(ctx));
    if (!r.ok) throw new ArgError(0, r.error.message);
    return r.value;
  },
});

/** Evaluates the i-th `expression` argument (or takes the value an expanded argument supplied). */
function closure(args: Value[], ctx: FunctionContext, i: number) {
  const expr = ctx.expressions[i];
  if (!expr) return { value: args[i], diagnostics: [] };
  return ctx.evaluate(expr);
}

export const tryFunction = defineFunction({
  description: 'try',
  params: [],
  varParam: { name: 'expressions', type: DYNAMIC, kind: 'expression' },
  returnType: DYNAMIC,
  impl(args, _t, ctx) {
    if (args.length === 0) throw new FunctionError('at least one argument is required');
    const failures: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const r = closure(args, ctx, i);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        for (const d of r.diagnostics) {
          failures.push(
            d.range
              ? `- ${d.summary} (at ${formatRange(d.range)})\n  ${d.detail}`
              : `- ${d.summary}\n  ${d.detail}`,
          );
        }
        continue;
      }
      if (!r.value.isWhollyKnown()) return DYNAMIC_VALUE;
      return r.value;
    }
    throw new FunctionError(
      `no expression succeeded:\n${failures.join('\n')}\n\nAt least one expression must produce a successful result`,
    );
  },
});

export const canFunction = defineFunction({
  description: 'can',
  params: [{ name: 'expression', type: DYNAMIC, kind: 'expression' }],
  returnType: BOOL,
  impl(args, _t, ctx) {
    const r = closure(args, ctx, 0);
    if (r.diagnostics.some((d) => d.severity === 'error')) return Value.bool(false);
    if (!r.value.isWhollyKnown()) return Value.unknown(BOOL);
    return Value.bool(true);
  },
});

export const env = defineFunction({
  description: 'env',
  params: [{ name: 'key', type: STRING }],
  returnType: STRING,
  impl([key], _t, ctx) {
    if (!ctx.host) throw new FunctionError('the environment is not available here');
    return Value.string(ctx.host.env(key.asString()) ?? '');
  },
});
