import { describe, expect, it } from 'vitest';
import { STRING, typeString } from '../types';
import { SENSITIVE, Value } from '../values';
import { b, evalCall, list, n, numbers, problem, s, show, strings, value } from './test-support';

const L = (...items: string[]) => '[\n' + items.map((i) => `  ${i},\n`).join('') + ']';

// Unless noted, expected texts were produced by Debian's packer 1.6.6 (`packer console`).
describe('coalesce and coalescelist', () => {
  it('picks the first non-null, non-empty value', () => {
    expect(show('coalesce', s(''), s('b'))).toBe('b');
    expect(show('coalesce', n(1), s('x'))).toBe('1');
    expect(show('coalesce', b.tuple(), strings('a'))).toBe('[]');
    expect(show('coalescelist', b.tuple(), strings('a'))).toBe(L('"a"'));
    expect(problem('coalesce', b.nul(), b.nul())).toBe(
      'Call to function "coalesce" failed: no non-null, non-empty-string arguments.',
    );
    expect(problem('coalesce', n(1), b.tuple())).toBe(
      'Call to function "coalesce" failed: all arguments must have the same type.',
    );
  });
});

describe('list functions', () => {
  it('compacts, concatenates, distincts and flattens', () => {
    expect(show('compact', b.tuple(s('a'), s(''), b.nul(), s('b')))).toBe(L('"a"', '"b"'));
    expect(show('concat', strings('a'), list(s('b'), n(1)))).toBe(L('"a"', '"b"', '1'));
    expect(problem('concat', numbers(1), s('x'))).toBe(
      'Invalid value for "seqs" parameter: all arguments must be lists or tuples; got string.',
    );
    expect(show('distinct', strings('a', 'b', 'a'))).toBe(L('"a"', '"b"'));
    expect(show('flatten', list(strings('a'), list(strings('b')), s('c'), b.tuple()))).toBe(
      L('"a"', '"b"', '"c"'),
    );
  });

  it('tests membership and finds positions', () => {
    expect(show('contains', strings('a'), s('a'))).toBe('true');
    expect(show('contains', numbers(1, 2), s('2'))).toBe('false');
    expect(problem('contains', s('a'), s('a'))).toBe(
      'Call to function "contains" failed: argument must be list, tuple, or set.',
    );
    // Packer >= 1.7 `index` searches for a value (1.6.6 had cty's element-access index).
    expect(show('index', strings('a', 'b'), s('b'))).toBe('1');
    expect(problem('index', strings('a'), s('z'))).toBe('Call to function "index" failed: item not found.');
    expect(problem('index', b.tuple(), s('z'))).toBe(
      'Call to function "index" failed: cannot search an empty list.',
    );
  });

  it('reads elements with wrap-around', () => {
    expect(show('element', strings('a', 'b'), n(3))).toBe('b');
    expect(show('element', strings('a', 'b'), b.neg(n(1)))).toBe('b');
    expect(problem('element', b.tuple(), n(0))).toBe(
      'Call to function "element" failed: cannot use element function with an empty list.',
    );
    expect(problem('element', s('x'), n(0))).toBe(
      'Call to function "element" failed: cannot read elements from string.',
    );
  });

  it('slices, reverses, sorts and chunks', () => {
    expect(show('slice', strings('a', 'b', 'c'), n(1), n(3))).toBe(L('"b"', '"c"'));
    expect(problem('slice', strings('a'), n(2), n(3))).toBe(
      'Invalid value for "start_index" parameter: start index must not be greater than the length of the list.',
    );
    expect(problem('slice', strings('a', 'b'), n(2), n(1))).toBe(
      'Invalid value for "start_index" parameter: start index must not be greater than end index.',
    );
    expect(show('reverse', list(n(1), s('a')))).toBe(L('"a"', '1'));
    expect(show('sort', strings('b', 'a', 'B', '10', '9'))).toBe(L('"10"', '"9"', '"B"', '"a"', '"b"'));
    expect(show('sort', numbers(3, 1))).toBe(L('"1"', '"3"'));
    expect(show('chunklist', strings('a', 'b', 'c'), n(2))).toBe(
      '[\n  [\n    "a",\n    "b",\n  ],\n  [\n    "c",\n  ],\n]',
    );
    expect(show('chunklist', strings('a'), n(0))).toBe('[\n  [\n    "a",\n  ],\n]');
  });

  it('generates ranges', () => {
    expect(show('range', n(3))).toBe(L('0', '1', '2'));
    expect(show('range', n(1), n(4), n('0.5'))).toBe(L('1', '1.5', '2', '2.5', '3', '3.5'));
    expect(show('range', n(5), n(1))).toBe(L('5', '4', '3', '2'));
    expect(show('range', n(0))).toBe('[]');
    expect(problem('range', n(1), n(2), n(0))).toBe(
      'Call to function "range" failed: more than 1024 values were generated; either decrease the difference between start and end or use a smaller step.',
    );
    expect(problem('range', n(1), n(5), b.neg(n(1)))).toBe(
      'Invalid value for "params" parameter: end must be less than start when step is negative.',
    );
  });
});

describe('maps and objects', () => {
  it('lists keys and values in key order', () => {
    expect(show('keys', b.obj(['b', n(1)], ['a', n(2)]))).toBe(L('"a"', '"b"'));
    expect(show('values', b.obj(['b', n(1)], ['a', s('x')]))).toBe(L('"x"', '1'));
  });

  it('looks up with a default', () => {
    expect(show('lookup', b.obj(['a', s('x')]), s('b'), s('d'))).toBe('d');
    expect(show('lookup', b.obj(['a', b.obj(['b', n(1)])]), s('a'), n(1))).toBe('{\n  "b" = 1\n}');
    expect(problem('lookup', b.obj(['a', s('x')]), s('b'))).toBe(
      'Function "lookup" expects 3 argument(s). Missing value for "default".',
    );
    expect(problem('lookup', s('x'), s('b'), s('c'))).toBe(
      'Invalid value for "inputMap" parameter: lookup() requires a map as the first argument.',
    );
  });

  it('merges', () => {
    expect(show('merge', b.obj(['a', n(1)]), b.obj(['b', s('x')]), b.nul())).toBe(
      '{\n  "a" = 1\n  "b" = "x"\n}',
    );
    expect(problem('merge', b.obj(['a', n(1)]), strings('x'))).toBe(
      'Call to function "merge" failed: arguments must be maps or objects, got "tuple".',
    );
    expect(typeString(value('merge').type)).toBe('object({})');
  });

  it('zips', () => {
    expect(show('zipmap', strings('a', 'b'), numbers(1, 2))).toBe('{\n  "a" = 1\n  "b" = 2\n}');
    expect(show('zipmap', strings('a', 'b'), list(n(1), s('x')))).toBe('{\n  "a" = 1\n  "b" = "x"\n}');
    expect(problem('zipmap', strings('a'), numbers(1, 2))).toBe(
      'Call to function "zipmap" failed: number of keys (1) does not match number of values (2).',
    );
  });
});

describe('sets', () => {
  it('intersects, unites and multiplies', () => {
    expect(show('setintersection', strings('a', 'b'), strings('b', 'c'))).toBe(L('"b"'));
    expect(show('setunion', strings('a'), numbers(1))).toBe(L('"1"', '"a"'));
    expect(show('setproduct', strings('a', 'b'), numbers(1, 2))).toBe(
      '[\n  [\n    "a",\n    1,\n  ],\n  [\n    "a",\n    2,\n  ],\n  [\n    "b",\n    1,\n  ],\n  [\n    "b",\n    2,\n  ],\n]',
    );
    expect(problem('setproduct', strings('a'))).toBe(
      'Call to function "setproduct" failed: at least two arguments are required.',
    );
  });
});

describe('length, sum, alltrue, anytrue', () => {
  it('measures strings, collections and structures', () => {
    expect(show('length', b.obj(['a', n(1)]))).toBe('1');
    expect(show('length', s('héllo'))).toBe('5');
    expect(problem('length', n(5))).toBe(
      'Call to function "length" failed: argument must be a string, a collection type, or a structural type.',
    );
    expect(problem('length', b.nul())).toBe(
      'Invalid value for "value" parameter: argument must not be null.',
    );
    const unknown = evalCall('length', [b.ref('x')], { variables: { x: Value.unknown(STRING) } });
    expect(unknown.value.isKnown()).toBe(false);
    const marked = evalCall('length', [b.ref('x')], {
      variables: { x: Value.list([Value.string('a')]).mark(SENSITIVE) },
    });
    expect(marked.value.hasMark(SENSITIVE)).toBe(true);
  });

  it('sums numbers (documented behaviour; 1.6.6 has no sum)', () => {
    expect(show('sum', numbers('0.1', '0.2'))).toBe('0.3');
    expect(show('sum', list(n(1), s('2')))).toBe('3');
    expect(problem('sum', b.tuple())).toBe('Invalid value for "list" parameter: cannot sum an empty list.');
    expect(problem('sum', strings('a'))).toBe(
      'Invalid value for "list" parameter: argument must be list, set, or tuple of number values.',
    );
  });

  it('folds booleans (documented behaviour; 1.6.6 has neither)', () => {
    expect(show('alltrue', list(b.bool(true), s('true')))).toBe('true');
    expect(show('alltrue', b.tuple())).toBe('true');
    expect(show('anytrue', list(b.bool(false), b.bool(true)))).toBe('true');
    expect(show('anytrue', b.tuple())).toBe('false');
  });
});
