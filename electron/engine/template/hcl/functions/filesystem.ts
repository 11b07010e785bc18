/**
 * File and path functions (go-cty-funcs filesystem, Packer's filebase64 and templatefile). File access
 * goes through the TemplateHost; `file`, `fileexists`, `fileset` and `templatefile` resolve relative
 * paths against the base directory (`path.root`), `filebase64` and `abspath` against the working
 * directory, as Packer does.
 */
import type { TemplateHost } from '../../host';
import type { Diagnostic } from '../../source';
import { formatRange } from '../../source';
import { goQuote } from '../gostrings';
import { referencedTraversals } from '../references';
import { BOOL, DYNAMIC, STRING, isValidIdentifier, setOf } from '../types';
import { Value } from '../values';
import {
  ArgError,
  defineFunction,
  FunctionError,
  type FunctionContext,
  type FunctionDef,
  type FunctionTable,
} from './spec';
import {
  base64Encode,
  basePath,
  cleanPath,
  dirPath,
  isAbsolute,
  joinPath,
  relativePath,
  utf8Decode,
} from './util';

function requireHost(ctx: FunctionContext): TemplateHost {
  if (!ctx.host) throw new FunctionError('file access is not available here');
  return ctx.host;
}

/** mitchellh/go-homedir Expand; `wrap` adds the "failed to expand ~" prefix the file functions use. */
function expandHome(path: string, host: TemplateHost, wrap = true): string {
  if (!path.startsWith('~')) return path;
  if (path.length > 1 && path[1] !== '/' && path[1] !== '\\') {
    const reason = 'cannot expand user-specific home dir';
    throw new FunctionError(wrap ? `failed to expand ~: ${reason}` : reason);
  }
  return joinPath(host.homeDir(), path.slice(1));
}

/** The path as Packer names it (joined to the base directory and cleaned), and as the host opens it. */
function resolvePath(ctx: FunctionContext, path: string): { shown: string; absolute: string } {
  const host = requireHost(ctx);
  let p = expandHome(path, host);
  if (!isAbsolute(p)) p = joinPath(ctx.baseDir, p);
  const shown = cleanPath(p);
  return { shown, absolute: isAbsolute(shown) ? shown : joinPath(host.cwd(), shown) };
}

function readFileBytes(ctx: FunctionContext, path: string): Uint8Array {
  const host = requireHost(ctx);
  const { shown, absolute } = resolvePath(ctx, path);
  const kind = host.stat(absolute);
  if (kind === undefined) throw new FunctionError(`no file exists at ${shown}`);
  if (kind !== 'file') throw new FunctionError(`failed to read ${shown}`);
  try {
    return host.readFileBytes(absolute);
  } catch {
    throw new FunctionError(`failed to read ${shown}`);
  }
}

function readTextFile(ctx: FunctionContext, path: string): string {
  const text = utf8Decode(readFileBytes(ctx, path));
  if (text === undefined) {
    throw new FunctionError(
      `contents of ${path} are not valid UTF-8; use the filebase64 function to obtain the Base64 encoded contents or the other file functions (e.g. filemd5, filesha256) to obtain file hashing results instead`,
    );
  }
  return text;
}

export const file = defineFunction({
  description: 'file',
  params: [{ name: 'path', type: STRING }],
  returnType: STRING,
  impl: ([path], _t, ctx) => Value.string(readTextFile(ctx, path.asString())),
});

export const fileexists = defineFunction({
  description: 'fileexists',
  params: [{ name: 'path', type: STRING }],
  returnType: BOOL,
  impl([path], _t, ctx) {
    const { shown, absolute } = resolvePath(ctx, path.asString());
    const kind = requireHost(ctx).stat(absolute);
    if (kind === undefined) return Value.bool(false);
    if (kind === 'file') return Value.bool(true);
    throw new FunctionError(`${shown} is not a regular file, but a directory`);
  },
});

/** Packer's filebase64 reads the path as given (relative to the working directory). */
export const filebase64 = defineFunction({
  description: 'filebase64',
  params: [{ name: 'path', type: STRING }],
  returnType: STRING,
  impl([path], _t, ctx) {
    const host = requireHost(ctx);
    const p = path.asString();
    const absolute = isAbsolute(p) ? p : joinPath(host.cwd(), p);
    try {
      return Value.string(base64Encode(host.readFileBytes(absolute)));
    } catch (e) {
      throw new FunctionError(`failed to read file ${goQuote(p)}: ${(e as Error).message}`);
    }
  },
});

export const basename = defineFunction({
  description: 'basename',
  params: [{ name: 'path', type: STRING }],
  returnType: STRING,
  impl: ([path]) => Value.string(basePath(path.asString())),
});

export const dirname = defineFunction({
  description: 'dirname',
  params: [{ name: 'path', type: STRING }],
  returnType: STRING,
  impl: ([path]) => Value.string(dirPath(path.asString())),
});

export const abspath = defineFunction({
  description: 'abspath',
  params: [{ name: 'path', type: STRING }],
  returnType: STRING,
  impl([path], _t, ctx) {
    const p = path.asString();
    return Value.string(isAbsolute(p) ? cleanPath(p) : joinPath(requireHost(ctx).cwd(), p));
  },
});

export const pathexpand = defineFunction({
  description: 'pathexpand',
  params: [{ name: 'path', type: STRING }],
  returnType: STRING,
  impl: ([path], _t, ctx) => Value.string(expandHome(path.asString(), requireHost(ctx), false)),
});

// ---- fileset --------------------------------------------------------------------------------------

/** One path segment of a doublestar pattern as a regular expression; undefined for a bad pattern. */
function segmentRegExp(segment: string): RegExp | undefined {
  let re = '';
  let i = 0;
  let braceDepth = 0;
  while (i < segment.length) {
    const c = segment[i];
    if (c === '\\') {
      if (i + 1 >= segment.length) return undefined;
      re += escapeRegExp(segment[i + 1]);
      i += 2;
    } else if (c === '*') {
      re += '[^/]*';
      i++;
    } else if (c === '?') {
      re += '[^/]';
      i++;
    } else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) return undefined;
      let body = segment.slice(i + 1, close);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      re += `[${negate ? '^' : ''}${body.replace(/[\]\\]/g, '\\$&')}]`;
      i = close + 1;
    } else if (c === '{') {
      braceDepth++;
      re += '(?:';
      i++;
    } else if (c === '}' && braceDepth > 0) {
      braceDepth--;
      re += ')';
      i++;
    } else if (c === ',' && braceDepth > 0) {
      re += '|';
      i++;
    } else {
      re += escapeRegExp(c);
      i++;
    }
  }
  if (braceDepth !== 0) return undefined;
  try {
    return new RegExp(`^${re}$`, 'u');
  } catch {
    return undefined;
  }
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

const hasMeta = (s: string) => /[*?[{\\]/.test(s);

/** bmatcuk/doublestar Glob over the host's directories; returns matching paths (files and directories). */
function glob(host: TemplateHost, pattern: string): string[] {
  const rooted = pattern.startsWith('/');
  const segments = pattern.split('/').filter((s, i) => !(i === 0 && s === ''));
  const compiled = segments.map((s) => (s === '**' ? '**' : hasMeta(s) ? segmentRegExp(s) : s));
  if (compiled.some((s) => s === undefined)) throw new Error('syntax error in pattern');
  const base = rooted ? '/' : '.';
  const results: string[] = [];
  const toHost = (p: string) => (isAbsolute(p) ? p : joinPath(host.cwd(), p));
  const list = (dir: string) => {
    try {
      return host.readDir(toHost(dir));
    } catch {
      return [];
    }
  };
  const walk = (dir: string, rest: (string | RegExp | undefined)[]): void => {
    if (rest.length === 0) {
      results.push(dir);
      return;
    }
    const [seg, ...tail] = rest;
    if (seg === '**') {
      walk(dir, tail);
      // `**` spans any number of segments, so it goes on into every entry (a file ends the walk there).
      for (const entry of list(dir)) walk(joinPath(dir, entry.name), rest);
      return;
    }
    if (typeof seg === 'string') {
      const p = joinPath(dir, seg);
      if (host.stat(toHost(p)) !== undefined) walk(p, tail);
      return;
    }
    for (const entry of list(dir)) {
      if (seg!.test(entry.name)) walk(joinPath(dir, entry.name), tail);
    }
  };
  walk(base, compiled);
  return [...new Set(results)];
}

export const fileset = defineFunction({
  description: 'fileset',
  params: [
    { name: 'path', type: STRING },
    { name: 'pattern', type: STRING },
  ],
  returnType: setOf(STRING),
  impl([pathValue, patternValue], _t, ctx) {
    const host = requireHost(ctx);
    let path = pathValue.asString();
    if (!isAbsolute(path)) path = joinPath(ctx.baseDir, path);
    const pattern = joinPath(path, patternValue.asString());
    let matches: string[];
    try {
      matches = glob(host, pattern);
    } catch (e) {
      throw new FunctionError(`failed to glob pattern (${pattern}): ${(e as Error).message}`);
    }
    const files = matches
      .filter((m) => host.stat(isAbsolute(m) ? m : joinPath(host.cwd(), m)) === 'file')
      .map((m) => Value.string(relativePath(path, m)));
    return files.length === 0 ? Value.set([], STRING) : Value.set(files);
  },
});

// ---- templatefile ---------------------------------------------------------------------------------

function diagnosticsError(diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const one = (d: Diagnostic) => `${d.range ? formatRange(d.range) : '<nil>'}: ${d.summary}; ${d.detail}`;
  if (errors.length === 1) return one(errors[0]);
  return `${one(errors[0])}, and ${errors.length - 1} other diagnostic(s)`;
}

const NO_RECURSION = defineFunction({
  description: 'templatefile',
  params: [
    { name: 'path', type: STRING },
    { name: 'vars', type: DYNAMIC },
  ],
  returnType() {
    throw new FunctionError('cannot recursively call templatefile from inside templatefile call');
  },
  impl() {
    throw new FunctionError('cannot recursively call templatefile from inside templatefile call');
  },
});

function renderTemplate(ctx: FunctionContext, path: string, vars: Value): Value {
  if (!ctx.parseTemplate) throw new FunctionError('templates cannot be read here');
  const text = readTextFile(ctx, path);
  const parsed = ctx.parseTemplate(text, path);
  if (parsed.diagnostics.some((d) => d.severity === 'error'))
    throw new FunctionError(diagnosticsError(parsed.diagnostics));
  const kind = vars.type.kind;
  if (kind !== 'map' && kind !== 'object') throw new ArgError(1, 'invalid vars value: must be a map');
  const variables = new Map(vars.entries());
  for (const name of variables.keys()) {
    if (!isValidIdentifier(name)) {
      throw new ArgError(
        1,
        `invalid template variable name ${goQuote(name)}: must start with a letter, followed by zero or more letters, digits, and underscores`,
      );
    }
  }
  for (const t of referencedTraversals(parsed.expr)) {
    if (!variables.has(t.root)) {
      throw new ArgError(
        1,
        `vars map does not contain key ${goQuote(t.root)}, referenced at ${formatRange(t.rootRange)}`,
      );
    }
  }
  const functions: FunctionTable = new Map(
    [...ctx.functions].map(([n, f]) => [n, n === 'templatefile' ? NO_RECURSION : f]),
  );
  const result = ctx.evaluateIsolated(parsed.expr, variables, functions);
  if (result.diagnostics.some((d) => d.severity === 'error'))
    throw new FunctionError(diagnosticsError(result.diagnostics));
  return result.value;
}

export function makeTemplatefile(): FunctionDef {
  // The type function and the implementation both render; the second use reads the cached result.
  const rendered = new WeakMap<FunctionContext, Value>();
  return defineFunction({
    description: 'templatefile',
    params: [
      { name: 'path', type: STRING },
      { name: 'vars', type: DYNAMIC },
    ],
    returnType(args, ctx) {
      if (!args[0].isKnown() || !args[1].isKnown()) return DYNAMIC;
      const v = renderTemplate(ctx, args[0].asString(), args[1]);
      rendered.set(ctx, v);
      return v.type;
    },
    impl([path, vars], _t, ctx) {
      return rendered.get(ctx) ?? renderTemplate(ctx, path.asString(), vars);
    },
  });
}
