import { describe, expect, it } from 'vitest';
import { b, list, n, problem, s, show, strings, value } from './test-support';

// Expected texts were produced by Debian's packer 1.6.6 (`packer console`), whose go-cty-yaml
// emitter and resolver are the ones modern Packer still uses.
describe('yamlencode', () => {
  it('writes block style with double-quoted strings and literal blocks', () => {
    const doc = b.obj(
      ['a', n(1)],
      ['b', strings('x', 'y')],
      ['c', b.obj(['d', b.bool(true)], ['e', b.nul()])],
      ['f', b.tuple()],
      ['g', b.obj()],
      ['h', s('multi\nline\n')],
      ['i', s('multi\nline')],
      ['j', list(b.obj(['k', n(1)], ['l', n(2)]), list(n(3), n(4)))],
      ['m', s('  lead')],
    );
    expect(value('yamlencode', doc).asString()).toBe(
      [
        '"a": 1',
        '"b":',
        '- "x"',
        '- "y"',
        '"c":',
        '  "d": true',
        '  "e": null',
        '"f": []',
        '"g": {}',
        '"h": |',
        '  multi',
        '  line',
        '"i": |-',
        '  multi',
        '  line',
        '"j":',
        '- "k": 1',
        '  "l": 2',
        '- - 3',
        '  - 4',
        '"m": "  lead"',
        '',
      ].join('\n'),
    );
  });

  it('folds long strings at 80 columns, indented under their parent', () => {
    const long =
      'aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss tttt';
    expect(value('yamlencode', s(long)).asString()).toBe(
      '"aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq\n  rrrr ssss tttt"\n',
    );
    expect(value('yamlencode', b.obj(['k', b.obj(['key', s(long)])])).asString()).toBe(
      '"k":\n  "key": "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo\n    pppp qqqq rrrr ssss tttt"\n',
    );
    expect(value('yamlencode', list(s(long))).asString()).toBe(
      '- "aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr ssss tttt"\n',
    );
  });

  it('escapes what libyaml escapes and picks block headers as libyaml does', () => {
    expect(value('yamlencode', b.obj(['a', s('x\ty\u0001é\u2028')])).asString()).toBe(
      '"a": "x\\ty\\x01é\\L"\n',
    );
    expect(value('yamlencode', b.obj(['a', s('trailing \nspace')])).asString()).toBe(
      '"a": "trailing \\nspace"\n',
    );
    expect(value('yamlencode', b.obj(['a', s(' x\ny')])).asString()).toBe('"a": |2-\n   x\n  y\n');
    expect(value('yamlencode', b.obj(['a', s('\n\nx\n\n')])).asString()).toBe('"a": |2+\n\n\n  x\n\n');
    expect(value('yamlencode', s('😀 \u0085 \u00a0 \ufeff')).asString()).toBe(
      '"\\U0001F600 \\N \u00a0 \\uFEFF"\n',
    );
    expect(value('yamlencode', strings('a\n', 'b\n\n', '\n')).asString()).toBe(
      '- |\n  a\n- |+\n  b\n\n- |2+\n\n',
    );
    expect(value('yamlencode', b.obj(['a long key', s('v')], ['x\ny', s('z')])).asString()).toBe(
      '"a long key": "v"\n? |-\n  x\n  y\n: "z"\n',
    );
  });

  it('ends open plain scalars at the root with a document end marker', () => {
    expect(value('yamlencode', n('1.5')).asString()).toBe('1.5\n...\n');
    expect(value('yamlencode', b.nul()).asString()).toBe('null\n...\n');
    expect(
      value('yamlencode', list(list(n(1), list(n(2))), b.obj(['a', b.obj(['b', b.tuple()])]))).asString(),
    ).toBe('- - 1\n  - - 2\n- "a":\n    "b": []\n');
  });
});

describe('yamldecode', () => {
  it('resolves scalars the way go-cty-yaml does (YAML 1.1 booleans, timestamps as RFC 3339)', () => {
    expect(
      show(
        'yamldecode',
        s('a: 1\nb: [x, "y", yes, on, ~, 1.5, 2001-12-14, .inf]\n<<: {c: 3}\nd: |\n  lit\ne: !!str 5\n'),
      ),
    ).toBe(
      '{\n  "a" = 1\n  "b" = [\n    "x",\n    "y",\n    true,\n    true,\n    null,\n    1.5,\n    "2001-12-14T00:00:00Z",\n    +Inf,\n  ]\n  "c" = 3\n  "d" = "lit\\n"\n  "e" = "5"\n}',
    );
    expect(show('yamldecode', s('base: &b {x: 1}\nc:\n  <<: *b\n  y: 2'))).toBe(
      '{\n  "base" = {\n    "x" = 1\n  }\n  "c" = {\n    "true" = 2\n    "x" = 1\n  }\n}',
    );
    expect(show('yamldecode', s('1: x\ntrue: y'))).toBe('{\n  "1" = "x"\n  "true" = true\n}');
    expect(show('yamldecode', s('0x1F'))).toBe('31');
    expect(value('yamldecode', s('12345678901234567890')).asNumber().toFixedShortest()).toBe(
      '12345678901234567890',
    );
  });

  it('reports what go-cty-yaml reports', () => {
    expect(problem('yamldecode', s('x: !!int abc'))).toBe(
      'Call to function "yamldecode" failed: cannot parse "abc" as tag:yaml.org,2002:int.',
    );
    expect(problem('yamldecode', s('x: !!foo abc'))).toContain('unsupported tag');
    expect(problem('yamldecode', s('x: .nan'))).toBe(
      'Call to function "yamldecode" failed: floating point NaN is not supported.',
    );
    expect(problem('yamldecode', s('? [a]\n: b'))).toBe(
      'Call to function "yamldecode" failed: only strings are allowed as mapping keys.',
    );
    expect(problem('yamldecode', s('~: b'))).toBe(
      'Call to function "yamldecode" failed: mapping key cannot be null.',
    );
    expect(problem('yamldecode', s('- *missing'))).toBe(
      'Call to function "yamldecode" failed: reference to undefined anchor "missing".',
    );
    expect(problem('yamldecode', s(''))).toBe(
      'Call to function "yamldecode" failed: on line 1, column 1: missing start of document.',
    );
    expect(problem('yamldecode', s('--- 1\n--- 2'))).toBe(
      'Call to function "yamldecode" failed: on line 1, column 1: unexpected extra content after value.',
    );
    // Syntax errors carry js-yaml's wording (libyaml words them differently), with the position.
    expect(problem('yamldecode', s('a: b: c'))).toMatch(
      /^Call to function "yamldecode" failed: on line 1, column \d+: .+\.$/,
    );
  });

  it('round-trips through yamlencode', () => {
    const doc = b.obj(
      ['name', s('kiln')],
      ['tags', strings('a', 'b')],
      ['nested', b.obj(['n', n('2.5')], ['t', b.bool(false)])],
    );
    expect(show('yamldecode', b.call('yamlencode', doc))).toBe(show('yamldecode', b.call('jsonencode', doc)));
  });
});
