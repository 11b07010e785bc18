import { describe, expect, it } from 'vitest';
import { convert } from './convert';
import { displayValue } from './display';
import { evaluate } from './eval';
import { parseHclExpression } from './syntax';
import { applyDefaults, exactType, typeConstraint, typeConstraintWithDefaults } from './typeexpr';
import { typeString } from './types';

const expr = (text: string) => {
  const p = parseHclExpression(text, 'types.hcl');
  expect(p.diagnostics).toEqual([]);
  return p.expr;
};
const constraint = (text: string) => typeConstraint(expr(text));
const constant = (e: Parameters<typeof evaluate>[0]) => evaluate(e, {});

describe('type constraints', () => {
  it('reads every constructor', () => {
    for (const [text, shown] of [
      ['string', 'string'],
      ['number', 'number'],
      ['bool', 'bool'],
      ['any', 'any'],
      ['list(string)', 'list(string)'],
      ['set(number)', 'set(number)'],
      ['map(any)', 'map(any)'],
      ['list(list(string))', 'list(list(string))'],
      ['tuple([string, number])', 'tuple([string,number])'],
      ['object({name = string, size = number})', 'object({name=string,size=number})'],
      ['object({a = optional(string)})', 'object({a=optional(string)})'],
    ]) {
      const r = constraint(text);
      expect(r.diagnostics).toEqual([]);
      expect(typeString(r.type)).toBe(shown);
    }
  });

  it("reports hcl typeexpr's errors", () => {
    const detail = (text: string) => constraint(text).diagnostics.map((d) => `${d.summary}: ${d.detail}`);
    expect(detail('strin')).toEqual([
      'Invalid type specification: The keyword "strin" is not a valid type specification.',
    ]);
    expect(detail('list')).toEqual([
      'Invalid type specification: The list type constructor requires one argument specifying the element type.',
    ]);
    expect(detail('list(string, number)')).toEqual([
      'Invalid type specification: The list type constructor requires one argument specifying the element type.',
    ]);
    expect(detail('string()')).toEqual([
      'Invalid type specification: Primitive type keyword "string" does not expect arguments.',
    ]);
    expect(detail('"string"')).toEqual([
      'Invalid type specification: A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).',
    ]);
    expect(detail('object({"a" = string})')).toEqual([
      'Invalid type specification: Object constructor map keys must be attribute names.',
    ]);
    expect(detail('object({a = string, a = number})')).toEqual([
      'Invalid type specification: Object constructor map keys must be unique.',
    ]);
    expect(detail('optional(string)')).toEqual([
      'Invalid type specification: Keyword "optional" is valid only as a modifier for object type attributes.',
    ]);
    expect(detail('object({a = optional(string, "x")})')).toEqual([
      'Invalid type specification: Optional attribute modifier expects only one argument: the attribute type.',
    ]);
    expect(detail('foo(string)')).toEqual([
      'Invalid type specification: Keyword "foo" is not a valid type constructor.',
    ]);
    expect(exactType(expr('any')).diagnostics.map((d) => d.detail)).toEqual([
      'The keyword "any" cannot be used in this type specification: an exact type is required.',
    ]);
  });

  it('points at the offending part', () => {
    const [d] = constraint('list(strin)').diagnostics;
    expect(d.range?.start.column).toBe(6);
    expect(d.range?.end.column).toBe(11);
  });
});

describe('optional attributes with defaults', () => {
  it('fills absent and null attributes, also inside collections', () => {
    const t = typeConstraintWithDefaults(
      expr('list(object({name = string, size = optional(number, 10), tags = optional(list(string), [])}))'),
      constant,
    );
    expect(t.diagnostics).toEqual([]);
    const given = evaluate(
      expr('[{name = "a"}, {name = "b", size = 5, tags = ["x"]}, {name = "c", size = null}]'),
      {},
    ).value;
    const withDefaults = applyDefaults(t.defaults!, given);
    const value = convert(withDefaults, t.type);
    expect(displayValue(value)).toBe(
      '[\n  {\n    "name" = "a"\n    "size" = 10\n    "tags" = []\n  },\n  {\n    "name" = "b"\n    "size" = 5\n    "tags" = [\n      "x",\n    ]\n  },\n  {\n    "name" = "c"\n    "size" = 10\n    "tags" = []\n  },\n]',
    );
  });

  it('checks defaults against the attribute type', () => {
    const t = typeConstraintWithDefaults(expr('object({size = optional(number, "big")})'), constant);
    expect(t.diagnostics.map((d) => `${d.summary}: ${d.detail}`)).toEqual([
      "Invalid default value for optional attribute: This default value is not compatible with the attribute's type constraint: a number is required.",
    ]);
  });

  it('requires defaults to be constants', () => {
    const t = typeConstraintWithDefaults(expr('object({size = optional(number, var.x)})'), constant);
    expect(t.diagnostics.map((d) => d.summary)).toEqual(['Variables not allowed']);
  });
});
