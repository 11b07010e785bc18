import { describe, expect, it } from 'vitest';
import { memoryHost } from '../../host';
import type { Expression } from '../ast';
import { displayValue } from '../display';
import { evaluate } from '../eval';
import { Value } from '../values';
import { packerFunctions } from './index';
import { b, evalCall, s } from './test-support';

const files = {
  '/proj/files/a.txt': 'hello\n',
  '/proj/files/sub/b.txt': 'x',
  '/proj/files/sub/deep/c.md': 'y',
  '/proj/files/.hidden': 'h',
  '/proj/files/t.tpl': 'Hi ${name}!',
  '/proj/files/rec.tpl': '${templatefile("files/t.tpl", {})}',
  '/proj/files/bad.tpl': '${',
  '/work/cwd.txt': 'from cwd',
};
const host = { files, cwd: '/work', home: '/home/u' };

function call(name: string, ...args: Expression[]) {
  const r = evalCall(name, args, { host, baseDir: '/proj' });
  return { text: displayValue(r.value), problems: r.diagnostics.map((d) => d.detail) };
}

describe('file, fileexists, filebase64', () => {
  it('reads files relative to path.root', () => {
    expect(call('file', s('files/a.txt'))).toEqual({ text: 'hello\n', problems: [] });
    expect(call('file', s('/proj/files/sub/b.txt')).text).toBe('x');
    expect(call('fileexists', s('files/a.txt')).text).toBe('true');
    expect(call('fileexists', s('files/nope')).text).toBe('false');
  });

  it('words failures as Packer does', () => {
    expect(call('file', s('files/nope.txt')).problems).toEqual([
      'Call to function "file" failed: no file exists at /proj/files/nope.txt.',
    ]);
    expect(call('file', s('files')).problems).toEqual([
      'Call to function "file" failed: failed to read /proj/files.',
    ]);
    expect(call('fileexists', s('files')).problems).toEqual([
      'Call to function "fileexists" failed: /proj/files is not a regular file, but a directory.',
    ]);
    expect(call('file', s('~bob/x')).problems).toEqual([
      'Call to function "file" failed: failed to expand ~: cannot expand user-specific home dir.',
    ]);
  });

  it('reads filebase64 relative to the working directory, as Packer does', () => {
    expect(call('filebase64', s('cwd.txt')).text).toBe('ZnJvbSBjd2Q=');
    expect(call('filebase64', s('nope')).problems[0]).toMatch(
      /^Call to function "filebase64" failed: failed to read file "nope": /,
    );
  });
});

describe('fileset', () => {
  it('globs with doublestar patterns and returns paths relative to the directory', () => {
    expect(call('fileset', s('files'), s('*.txt')).text).toBe('[\n  "a.txt",\n]');
    expect(call('fileset', s('files'), s('**')).text).toBe(
      '[\n  ".hidden",\n  "a.txt",\n  "bad.tpl",\n  "rec.tpl",\n  "sub/b.txt",\n  "sub/deep/c.md",\n  "t.tpl",\n]',
    );
    expect(call('fileset', s('files'), s('**/*.{md,txt}')).text).toBe(
      '[\n  "a.txt",\n  "sub/b.txt",\n  "sub/deep/c.md",\n]',
    );
    expect(call('fileset', s('files'), s('sub/*')).text).toBe('[\n  "sub/b.txt",\n]');
    expect(call('fileset', s('files'), s('s?b/[a-c].txt')).text).toBe('[\n  "sub/b.txt",\n]');
    expect(call('fileset', s('nothing'), s('*')).text).toBe('[]');
  });

  it('rejects bad patterns', () => {
    expect(call('fileset', s('files'), s('[')).problems).toEqual([
      'Call to function "fileset" failed: failed to glob pattern (/proj/files/[): syntax error in pattern.',
    ]);
  });
});

describe('path functions', () => {
  it('splits and expands paths like Go', () => {
    expect(call('basename', s('/a/b/c.txt')).text).toBe('c.txt');
    expect(call('basename', s('a/b/')).text).toBe('b');
    expect(call('dirname', s('/a/b/c.txt')).text).toBe('/a/b');
    expect(call('dirname', s('c.txt')).text).toBe('.');
    expect(call('dirname', s('/')).text).toBe('/');
    expect(call('abspath', s('files/../x')).text).toBe('/work/x');
    expect(call('pathexpand', s('~/x')).text).toBe('/home/u/x');
    expect(call('pathexpand', s('~bob/x')).problems).toEqual([
      'Call to function "pathexpand" failed: cannot expand user-specific home dir.',
    ]);
  });
});

describe('templatefile', () => {
  it('renders a template with the given variables', () => {
    expect(call('templatefile', s('files/t.tpl'), b.obj(['name', s('you')]))).toEqual({
      text: 'Hi you!',
      problems: [],
    });
  });

  it('checks the variables', () => {
    expect(call('templatefile', s('files/t.tpl'), b.obj()).problems).toEqual([
      'Invalid value for "vars" parameter: vars map does not contain key "name", referenced at files/t.tpl:1,6-10.',
    ]);
    expect(call('templatefile', s('files/t.tpl'), b.tuple(s('x'))).problems).toEqual([
      'Invalid value for "vars" parameter: invalid vars value: must be a map.',
    ]);
    expect(
      call('templatefile', s('files/t.tpl'), b.obj(['bad name', s('x')], ['name', s('y')])).problems,
    ).toEqual([
      'Invalid value for "vars" parameter: invalid template variable name "bad name": must start with a letter, followed by zero or more letters, digits, and underscores.',
    ]);
  });

  it('forbids recursion and reports template syntax errors', () => {
    expect(call('templatefile', s('files/rec.tpl'), b.obj()).problems[0]).toContain(
      'Call to function "templatefile" failed: cannot recursively call templatefile from inside templatefile call',
    );
    expect(call('templatefile', s('files/bad.tpl'), b.obj()).problems).toEqual([
      'Call to function "templatefile" failed: files/bad.tpl:1,3-3: Missing expression; Expected the start of an expression, but found the end of the file..',
    ]);
    expect(call('templatefile', s('files/none.tpl'), b.obj()).problems).toEqual([
      'Call to function "templatefile" failed: no file exists at /proj/files/none.tpl.',
    ]);
  });
});

describe('defaults from the evaluation context', () => {
  it('resolves against path.root and parses templates with the HCL parser when not told otherwise', () => {
    const r = evaluate(b.call('templatefile', b.str('t.tpl'), b.obj(['name', b.str('you')])), {
      variables: { path: Value.object({ root: Value.string('/proj/files') }) },
      functions: packerFunctions(),
      host: memoryHost({ files: { '/proj/files/t.tpl': 'Hi ${upper(name)}%{ if true }!%{ endif }' } }),
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.value.asString()).toBe('Hi YOU!');
  });
});
