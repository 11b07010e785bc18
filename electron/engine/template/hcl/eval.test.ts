import { describe, expect, it } from 'vitest';
import { memoryHost } from '../host';
import type { Expression } from './ast';
import * as b from './build';
import { displayValue } from './display';
import { evaluate, nameSuggestion, type EvalContext } from './eval';
import { packerFunctions, variableDefaultFunctions } from './functions';
import { referencedRoots } from './references';
import { parseHclExpression } from './syntax';
import { DYNAMIC, NUMBER, STRING, listOf, objectOf, typeString } from './types';
import { SENSITIVE, Value } from './values';

const vars = {
  var: Value.object({
    s: Value.string('hello'),
    n: Value.number(2),
    l: Value.tuple([Value.string('a'), Value.string('b')]),
    list: Value.list([Value.string('x'), Value.string('y')]),
    m: Value.map({ k1: Value.string('v1'), k2: Value.string('v2') }),
    o: Value.object({ name: Value.string('obj'), items: Value.tuple([Value.number(1), Value.number(2)]) }),
    objs: Value.tuple([Value.object({ id: Value.number(1) }), Value.object({ id: Value.number(2) })]),
    objlist: Value.list([Value.object({ id: Value.number(1) }), Value.object({ id: Value.number(2) })]),
    nul: Value.null(STRING),
    secret: Value.string('pw').mark(SENSITIVE),
    unk: Value.unknown(STRING),
    set: Value.set([Value.string('b'), Value.string('a')]),
    t: Value.bool(true),
  }),
  build: Value.unknown(DYNAMIC),
};

function ctx(extra: Partial<EvalContext> = {}): EvalContext {
  return {
    variables: vars,
    functions: packerFunctions(),
    host: memoryHost({ now: new Date('2024-05-06T07:08:09Z') }),
    ...extra,
  };
}

function run(expr: Expression, c: EvalContext = ctx()) {
  return evaluate(expr, c);
}

function show(expr: Expression): string {
  const r = run(expr);
  expect(r.diagnostics).toEqual([]);
  return displayValue(r.value);
}

function problems(expr: Expression, c?: EvalContext): string[] {
  return run(expr, c).diagnostics.map((d) => `${d.summary}: ${d.detail}`);
}

describe('literals and templates', () => {
  it('evaluates literals', () => {
    expect(show(b.num(42))).toBe('42');
    expect(show(b.num('1.5'))).toBe('1.5');
    expect(show(b.bool(false))).toBe('false');
    expect(show(b.nul())).toBe('null');
    expect(show(b.str('plain'))).toBe('plain');
  });

  it('interpolates, converting numbers and bools to strings', () => {
    expect(show(b.str('n=', b.ref('var.n'), ' t=', b.ref('var.t')))).toBe('n=2 t=true');
    expect(show(b.str('x', b.bin('/', b.num(1), b.num(4))))).toBe('x0.25');
  });

  it('keeps the type of a lone interpolation', () => {
    const r = run(b.str(b.ref('var.l')));
    expect(r.value.type.kind).toBe('tuple');
  });

  it('rejects nulls and collections in templates', () => {
    expect(problems(b.str('a', b.ref('var.nul')))).toEqual([
      'Invalid template interpolation value: The expression result is null. Cannot include a null value in a string template.',
    ]);
    expect(problems(b.str('a', b.ref('var.l')))).toEqual([
      'Invalid template interpolation value: Cannot include the given value in a string template: string required, but have tuple.',
    ]);
  });

  it('makes a template unknown when a part is unknown, and keeps marks', () => {
    expect(run(b.str('a', b.ref('var.unk'))).value.isKnown()).toBe(false);
    const marked = run(b.str('pw=', b.ref('var.secret'))).value;
    expect(marked.hasMark(SENSITIVE)).toBe(true);
    expect(displayValue(marked)).toBe('<sensitive>');
  });

  it('renders %{if} and %{for} directives', () => {
    expect(show(b.str('[', b.tIf(b.ref('var.t'), ['yes'], ['no']), ']'))).toBe('[yes]');
    expect(show(b.str('[', b.tIf(b.bool(false), ['yes']), ']'))).toBe('[]');
    expect(show(b.str(b.tFor(['i', 'v'], b.ref('var.l'), [b.ref('i'), '=', b.ref('v'), ';'])))).toBe(
      '0=a;1=b;',
    );
    expect(problems(b.str(b.tIf(b.nul(), ['x'])))).toEqual([
      'Null condition: The condition value is null. Conditions must either be true or false.',
    ]);
    expect(problems(b.str(b.tFor('v', b.nul(), ['x'])))).toEqual([
      "Iteration over null value: A null value cannot be used as the collection in a 'for' expression.",
    ]);
  });

  it('keeps strip markers to the parser: literal parts are final (as packer console shows)', () => {
    const value = (text: string) => displayValue(evaluate(parseHclExpression(text, 'x.hcl').expr).value);
    expect(value('"a  \\n ${~ "x" ~}\\n  b"')).toBe('axb');
    // In a heredoc a strip marker trims only the literal token next to it, so the line break stays.
    expect(value('<<EOT\nfoo\n  ${~"x"}\nEOT\n')).toBe('foo\nx\n');
  });
});

describe('variables and traversals', () => {
  it('follows attributes, indexes and legacy splats', () => {
    expect(show(b.ref('var.o.name'))).toBe('obj');
    expect(show(b.ref('var.o.items[1]'))).toBe('2');
    expect(show(b.ref('var.m["k2"]'))).toBe('v2');
    expect(show(b.ref('var.m.k1'))).toBe('v1');
    expect(show(b.ref('var.l.0'))).toBe('a');
    expect(show(b.ref('var.objs.*.id'))).toBe('[\n  1,\n  2,\n]');
  });

  it("reports hclsyntax's errors", () => {
    expect(problems(b.ref('nope'))).toEqual(['Unknown variable: There is no variable named "nope".']);
    expect(problems(b.ref('vr'))).toEqual([
      'Unknown variable: There is no variable named "vr". Did you mean "var"?',
    ]);
    expect(problems(b.ref('var.nope'))).toEqual([
      'Unsupported attribute: This object does not have an attribute named "nope".',
    ]);
    expect(problems(b.ref('var.m.k3'))).toEqual([
      'Missing map element: This map does not have an element with the key "k3".',
    ]);
    expect(problems(b.ref('var.s.x'))).toEqual([
      "Unsupported attribute: Can't access attributes on a primitive-typed value (string).",
    ]);
    expect(problems(b.ref('var.objlist.id'))).toEqual([
      'Unsupported attribute: Can\'t access attributes on a list of objects. Did you mean to access attribute "id" for a specific element of the list, or across all elements of the list?',
    ]);
    expect(problems(b.ref('var.nul.x'))).toEqual([
      'Attempt to get attribute from null value: This value is null, so it does not have any attributes.',
    ]);
    expect(problems(b.ref('var.s'), { variables: undefined })).toEqual([
      'Variables not allowed: Variables may not be used here.',
    ]);
  });

  it('indexes with conversions and explains bad keys', () => {
    expect(show(b.index(b.ref('var.l'), b.str('1')))).toBe('b');
    expect(problems(b.index(b.ref('var.l'), b.num(5)))).toEqual([
      'Invalid index: The given key does not identify an element in this collection value: the given index is greater than or equal to the length of the collection.',
    ]);
    expect(problems(b.index(b.ref('var.l'), b.num(-1)))).toEqual([
      'Invalid index: The given key does not identify an element in this collection value: a negative number is not a valid index for a sequence.',
    ]);
    expect(problems(b.index(b.ref('var.l'), b.num('0.5')))).toEqual([
      'Invalid index: The given key does not identify an element in this collection value: indexing a sequence requires a whole number, but the given index has a fractional part.',
    ]);
    expect(problems(b.index(b.tuple(), b.num(0)))).toEqual([
      'Invalid index: The given key does not identify an element in this collection value: the collection has no elements.',
    ]);
    expect(problems(b.index(b.ref('var.l'), b.str('x')))).toEqual([
      'Invalid index: The given key does not identify an element in this collection value: a number is required.',
    ]);
    expect(problems(b.index(b.ref('var.set'), b.num(0)))).toEqual([
      "Invalid index: Elements of a set are identified only by their value and don't have any separate index or key to select with, so it's only possible to perform operations across all elements of the set.",
    ]);
    expect(problems(b.index(b.ref('var.o'), b.num(0)))).toEqual([
      'Invalid index: The given key does not identify an element in this collection value. An object only supports looking up attributes by name, not by numeric index.',
    ]);
    expect(problems(b.index(b.ref('var.s'), b.num(0)))).toEqual([
      'Invalid index: This value does not have any indices.',
    ]);
    expect(problems(b.index(b.nul(), b.num(0)))).toEqual([
      'Attempt to index null value: This value is null, so it does not have any indices.',
    ]);
  });

  it('passes unknown values through', () => {
    expect(run(b.ref('build.Host')).value.isKnown()).toBe(false);
    expect(run(b.index(b.ref('var.list'), b.ref('var.unk'))).value.type).toEqual(STRING);
  });
});

describe('operators', () => {
  it('computes arithmetic with cty precision', () => {
    expect(show(b.bin('+', b.num('0.1'), b.num('0.2')))).toBe('0.3');
    expect(show(b.bin('%', b.neg(b.num(5)), b.num(3)))).toBe('-2');
    expect(show(b.bin('*', b.ref('var.n'), b.str('21')))).toBe('42');
    expect(show(b.bin('/', b.num(1), b.num(0)))).toBe('+Inf');
  });

  it('compares and combines', () => {
    expect(show(b.bin('==', b.ref('var.s'), b.str('hello')))).toBe('true');
    expect(show(b.bin('!=', b.num(1), b.str('1')))).toBe('true');
    expect(show(b.bin('<=', b.num(2), b.num(2)))).toBe('true');
    expect(show(b.bin('&&', b.bool(true), b.not(b.bool(false))))).toBe('true');
    expect(show(b.bin('==', b.ref('var.nul'), b.nul()))).toBe('true');
  });

  it('short-circuits over unknowns as hclsyntax does', () => {
    expect(show(b.bin('||', b.ref('build.x'), b.bool(true)))).toBe('true');
    expect(show(b.bin('&&', b.bool(false), b.ref('build.x')))).toBe('false');
    expect(run(b.bin('&&', b.bool(true), b.ref('build.x'))).value.isKnown()).toBe(false);
  });

  it('reports bad operands and failed operations', () => {
    expect(problems(b.bin('+', b.str('a'), b.num(1)))).toEqual([
      'Invalid operand: Unsuitable value for left operand: a number is required.',
    ]);
    expect(problems(b.bin('&&', b.bool(true), b.num(1)))).toEqual([
      'Invalid operand: Unsuitable value for right operand: bool required, but have number.',
    ]);
    expect(problems(b.not(b.str('x')))).toEqual([
      'Invalid operand: Unsuitable value for unary operand: a bool is required.',
    ]);
    expect(problems(b.bin('/', b.num(0), b.num(0)))).toEqual([
      "Operation failed: Error during operation: can't divide zero by zero or infinity by infinity.",
    ]);
    expect(problems(b.bin('+', b.ref('var.nul'), b.num(1)))).toEqual([
      'Operation failed: Error during operation: argument must not be null.',
    ]);
  });

  it('propagates marks through operators', () => {
    expect(run(b.bin('==', b.ref('var.secret'), b.str('pw'))).value.hasMark(SENSITIVE)).toBe(true);
  });
});

describe('conditionals', () => {
  it('unifies both results', () => {
    const r = run(b.cond(b.ref('var.t'), b.num(1), b.str('x')));
    expect(r.value.type).toEqual(STRING);
    expect(r.value.asString()).toBe('1');
    expect(run(b.cond(b.bool(true), b.tuple(b.str('a')), b.ref('var.list'))).value.type).toEqual(
      listOf(STRING),
    );
  });

  it('lets null stand for either type', () => {
    const r = run(b.cond(b.bool(false), b.nul(), b.ref('var.l')));
    expect(r.value.type.kind).toBe('tuple');
  });

  it('drops diagnostics of the branch not taken', () => {
    expect(show(b.cond(b.bool(true), b.str('ok'), b.ref('var.nope')))).toBe('ok');
  });

  it('reports inconsistent types and bad conditions', () => {
    expect(problems(b.cond(b.bool(true), b.obj(['a', b.num(1)]), b.tuple()))).toEqual([
      "Inconsistent conditional result types: The true and false result expressions must have consistent types. The 'true' value is object, but the 'false' value is tuple.",
    ]);
    expect(problems(b.cond(b.bool(true), b.obj(['a', b.num(1)]), b.obj(['a', b.tuple()])))).toEqual([
      "Inconsistent conditional result types: The true and false result expressions must have consistent types. Type mismatch for object attribute \"a\": The 'true' value is number, but the 'false' value is tuple.",
    ]);
    expect(problems(b.cond(b.str('x'), b.num(1), b.num(2)))).toEqual([
      'Incorrect condition type: The condition expression must be of type bool.',
    ]);
    expect(problems(b.cond(b.nul(), b.num(1), b.num(2)))).toEqual([
      'Null condition: The condition value is null. Conditions must either be true or false.',
    ]);
  });

  it('is unknown when the condition is', () => {
    const r = run(b.cond(b.ref('build.x'), b.num(1), b.num(2)));
    expect(r.value.isKnown()).toBe(false);
    expect(r.value.type).toEqual(NUMBER);
  });
});

describe('collections and for expressions', () => {
  it('builds tuples and objects, with literal and computed keys', () => {
    expect(show(b.tuple(b.num(1), b.str('a')))).toBe('[\n  1,\n  "a",\n]');
    expect(show(b.obj(['a', b.num(1)], [b.ref('var.s'), b.num(2)]))).toBe('{\n  "a" = 1\n  "hello" = 2\n}');
  });

  it('reports bad object keys', () => {
    const ambiguous: Expression = {
      kind: 'Object',
      items: [{ key: b.ref('var.s'), keyIsExpression: false, value: b.num(1), range: b.syntheticRange() }],
      range: b.syntheticRange(),
    };
    expect(problems(ambiguous)).toEqual([
      "Ambiguous attribute key: If this expression is intended to be a reference, wrap it in parentheses. If it's instead intended as a literal name containing periods, wrap it in quotes to create a string literal.",
    ]);
    expect(problems(b.obj([b.nul(), b.num(1)]))).toEqual([
      "Null value as key: Can't use a null value as a key.",
    ]);
    expect(problems(b.obj([b.ref('var.l'), b.num(1)]))).toEqual([
      "Incorrect key type: Can't use this value as a key: string required, but have tuple.",
    ]);
  });

  it('maps, filters and groups', () => {
    expect(show(b.forTuple('x', b.ref('var.l'), b.call('upper', b.ref('x'))))).toBe('[\n  "A",\n  "B",\n]');
    expect(
      show(b.forTuple(['k', 'v'], b.ref('var.m'), b.ref('k'), b.bin('==', b.ref('v'), b.str('v2')))),
    ).toBe('[\n  "k2",\n]');
    expect(show(b.forObject('v', b.ref('var.l'), b.ref('v'), b.call('upper', b.ref('v'))))).toBe(
      '{\n  "a" = "A"\n  "b" = "B"\n}',
    );
    expect(
      show(
        b.forObject('v', b.tuple(b.str('a'), b.str('b'), b.str('a')), b.ref('v'), b.num(1), { group: true }),
      ),
    ).toBe('{\n  "a" = [\n    1,\n    1,\n  ]\n  "b" = [\n    1,\n  ]\n}');
  });

  it('reports for expression errors', () => {
    expect(problems(b.forObject('v', b.tuple(b.str('a'), b.str('a')), b.ref('v'), b.num(1)))).toEqual([
      'Duplicate object key: Two different items produced the key "a" in this \'for\' expression. If duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.',
    ]);
    expect(problems(b.forTuple('v', b.num(1), b.ref('v')))).toEqual([
      "Iteration over non-iterable value: A value of type number cannot be used as the collection in a 'for' expression.",
    ]);
    expect(problems(b.forTuple('v', b.ref('var.l'), b.ref('v'), b.str('x')))).toEqual([
      "Invalid 'for' condition: The 'if' clause value is invalid: a bool is required.",
    ]);
    expect(problems(b.forObject('v', b.ref('var.l'), b.nul(), b.ref('v')))).toEqual([
      "Invalid object key: Key expression in 'for' expression must not produce a null value.",
    ]);
  });

  it('is unknown over unknown collections', () => {
    expect(run(b.forTuple('v', b.ref('build.x'), b.ref('v'))).value.isKnown()).toBe(false);
  });
});

describe('splats', () => {
  it('projects lists, tuples and sets', () => {
    expect(show(b.splat(b.ref('var.objs'), '.id'))).toBe('[\n  1,\n  2,\n]');
    const r = run(b.splat(b.ref('var.objlist'), '.id'));
    expect(typeString(r.value.type)).toBe('list(number)');
    expect(typeString(run(b.splat(b.ref('var.set'))).value.type)).toBe('list(string)');
  });

  it('treats single values as one-element tuples and null as empty', () => {
    expect(show(b.splat(b.ref('var.o'), '.name'))).toBe('[\n  "obj",\n]');
    expect(show(b.splat(b.nul()))).toBe('[]');
  });

  it('reports errors inside the projection', () => {
    expect(problems(b.splat(b.ref('var.objs'), '.nope'))).toEqual([
      'Unsupported attribute: This object does not have an attribute named "nope".',
      'Unsupported attribute: This object does not have an attribute named "nope".',
    ]);
  });
});

describe('function calls', () => {
  it('calls, converting arguments', () => {
    expect(show(b.call('upper', b.num(5)))).toBe('5');
    expect(show(b.call('max', b.str('3'), b.num(7)))).toBe('7');
    expect(show(b.callExpand('max', b.tuple(b.num(1), b.num(9), b.num(4))))).toBe('9');
  });

  it("reports hclsyntax's call errors", () => {
    expect(problems(b.call('uppr', b.str('x')))).toEqual([
      'Call to unknown function: There is no function named "uppr". Did you mean "upper"?',
    ]);
    expect(problems(b.call('upper'))).toEqual([
      'Not enough function arguments: Function "upper" expects 1 argument(s). Missing value for "str".',
    ]);
    expect(problems(b.call('upper', b.str('a'), b.str('b')))).toEqual([
      'Too many function arguments: Function "upper" expects only 1 argument(s).',
    ]);
    expect(problems(b.call('upper', b.tuple()))).toEqual([
      'Invalid function argument: Invalid value for "str" parameter: string required, but have tuple.',
    ]);
    expect(problems(b.call('upper', b.nul()))).toEqual([
      'Invalid function argument: Invalid value for "str" parameter: argument must not be null.',
    ]);
    expect(problems(b.call('element', b.tuple(), b.num(0)))).toEqual([
      'Error in function call: Call to function "element" failed: cannot use element function with an empty list.',
    ]);
    expect(problems(b.callExpand('max', b.num(1)))).toEqual([
      'Invalid expanding argument value: The expanding argument (indicated by ...) must be of a tuple, list, or set type.',
    ]);
    expect(problems(b.call('upper', b.str('x')), { functions: undefined, variables: {} })).toEqual([
      'Function calls not allowed: Functions may not be called here.',
    ]);
  });

  it('explains functions that exist only in Packer or only in variable defaults', () => {
    const [env] = problems(b.call('env', b.str('HOME')));
    expect(env).toContain('There is no function named "env".');
    expect(env).toContain('only available in the default value of a variable block');
    expect(problems(b.call('vault', b.str('a'), b.str('b')))[0]).toContain('Kiln does not provide it');
    const home = run(b.call('env', b.str('HOME')), {
      functions: variableDefaultFunctions(),
      host: memoryHost({ env: { HOME: '/root' } }),
    });
    expect(home.value.asString()).toBe('/root');
  });

  it('returns unknowns for unknown arguments and keeps marks', () => {
    expect(run(b.call('upper', b.ref('var.unk'))).value.isKnown()).toBe(false);
    const r = run(b.call('upper', b.ref('var.secret')));
    expect(r.value.hasMark(SENSITIVE)).toBe(true);
    expect(r.value.unmark()[0].asString()).toBe('PW');
  });
});

describe('helpers', () => {
  it('suggests close names deterministically', () => {
    expect(nameSuggestion('lenght', ['length', 'lower'])).toBe('length');
    expect(nameSuggestion('zzzz', ['length'])).toBeUndefined();
  });

  it('lists the variables an expression uses, minus for-expression locals', () => {
    const e = b.forTuple(
      'x',
      b.ref('var.l'),
      b.str(b.ref('x'), b.ref('local.y'), b.tFor('z', b.ref('data.q'), [b.ref('z')])),
    );
    expect(referencedRoots(e)).toEqual(['var', 'local', 'data']);
  });

  it('never throws', () => {
    const broken = { kind: 'Nonsense', range: b.syntheticRange() } as unknown as Expression;
    expect(problems(broken)[0]).toMatch(/^Internal error while evaluating/);
  });

  it('builds object types for object constructors', () => {
    expect(run(b.obj(['a', b.num(1)])).value.type).toEqual(objectOf({ a: NUMBER }));
  });
});

describe('parsed expressions: diagnostics point at the right text', () => {
  const at = (text: string) => {
    const parsed = parseHclExpression(text, 'main.pkr.hcl');
    expect(parsed.diagnostics).toEqual([]);
    return run(parsed.expr).diagnostics.map((d) => {
      const r = d.range!;
      return `${d.summary} @ ${text.slice(r.start.offset, r.end.offset)}`;
    });
  };

  it('names the variable, attribute, function and argument at fault', () => {
    expect(at('upper(nope)')).toEqual(['Unknown variable @ nope']);
    expect(at('var.o.nope')).toEqual(['Unsupported attribute @ .nope']);
    expect(at('uppr("x")')).toEqual(['Call to unknown function @ uppr']);
    expect(at('max(1, "x")')).toEqual(['Invalid function argument @ "x"']);
    expect(at('upper()')).toEqual(['Not enough function arguments @ )']);
    expect(at('upper("a", "b")')).toEqual(['Too many function arguments @ "b"']);
    expect(at('element([], 0)')).toEqual(['Error in function call @ element(']);
  });

  it('names the operand, part or branch at fault', () => {
    expect(at('1 + "x"')).toEqual(['Invalid operand @ "x"']);
    expect(at('"a${var.nul}b"')).toEqual(['Invalid template interpolation value @ ${var.nul}']);
    expect(at('var.t ? 1 : [2]')).toEqual(['Inconsistent conditional result types @ 1 : [2]']);
    expect(at('[for x in var.nul : x]')).toEqual(['Iteration over null value @ var.nul']);
    expect(at('var.l[7]')).toEqual(['Invalid index @ [7]']);
  });

  it('evaluates what the parser produces', () => {
    const value = (text: string) => displayValue(run(parseHclExpression(text, 'x.hcl').expr).value);
    expect(value('"%{ for x in var.l ~} ${x} %{ endfor ~}"')).toBe('a b ');
    expect(value('<<-EOT\n  hi ${var.n * 2}\n  EOT\n')).toBe('hi 4\n');
    expect(value('{ (var.s) = 1, "q" : 2, k = 3 }')).toBe('{\n  "hello" = 1\n  "k" = 3\n  "q" = 2\n}');
    expect(value('var.objs[*].id')).toBe('[\n  1,\n  2,\n]');
    expect(value('max(var.o.items...)')).toBe('2');
  });
});
