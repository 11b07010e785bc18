/**
 * Command-line flags in the style of Go's `flag` package, as Packer parses them: `-name=value`,
 * `-name value`, `--name`, booleans as `-force` or `-force=false`, repeatable flags, and the first
 * non-flag argument (or `--`) ending the flags. Kiln adds flags whose value is optional (`--console`
 * or `--console=NAME`): like booleans they never take the next argument.
 */
export type FlagSpec =
  | { kind: 'bool'; default?: boolean }
  | { kind: 'string'; default?: string }
  | { kind: 'int'; default?: number }
  | { kind: 'list' }
  /** Absent: undefined; bare (`-name`): ''; `-name=value`: value. */
  | { kind: 'optional' }
  | { kind: 'enum'; values: readonly string[]; default: string };

export type FlagValues<S extends Record<string, FlagSpec>> = {
  [K in keyof S]: S[K] extends { kind: 'bool' }
    ? boolean
    : S[K] extends { kind: 'int' }
      ? number
      : S[K] extends { kind: 'list' }
        ? string[]
        : S[K] extends { kind: 'optional' }
          ? string | undefined
          : string;
};

export class FlagError extends Error {}

export function parseFlags<S extends Record<string, FlagSpec>>(
  specs: S,
  args: readonly string[],
): { flags: FlagValues<S>; rest: string[] } {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.kind === 'optional') continue;
    values[name] =
      spec.kind === 'list'
        ? []
        : spec.kind === 'bool'
          ? (spec.default ?? false)
          : spec.kind === 'int'
            ? (spec.default ?? 0)
            : (spec.default ?? '');
  }
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const spec = specs[name];
    if (!spec) throw new FlagError(`flag provided but not defined: -${name}`);
    let raw: string | undefined = eq >= 0 ? body.slice(eq + 1) : undefined;
    if (spec.kind === 'bool') {
      if (raw === undefined) values[name] = true;
      else if (/^(1|t|true|TRUE|True)$/.test(raw)) values[name] = true;
      else if (/^(0|f|false|FALSE|False)$/.test(raw)) values[name] = false;
      else throw new FlagError(`invalid boolean value "${raw}" for -${name}: parse error`);
      continue;
    }
    if (spec.kind === 'optional') {
      values[name] = raw ?? '';
      continue;
    }
    if (raw === undefined) {
      if (i + 1 >= args.length) throw new FlagError(`flag needs an argument: -${name}`);
      raw = args[++i];
    }
    switch (spec.kind) {
      case 'string':
        values[name] = raw;
        break;
      case 'int': {
        if (!/^-?\d+$/.test(raw))
          throw new FlagError(`invalid value "${raw}" for flag -${name}: parse error`);
        values[name] = Number(raw);
        break;
      }
      case 'list':
        (values[name] as string[]).push(raw);
        break;
      case 'enum':
        if (!spec.values.includes(raw)) {
          throw new FlagError(
            `invalid value "${raw}" for flag -${name}: expected one of [${spec.values.map((v) => `"${v}"`).join(' ')}]`,
          );
        }
        values[name] = raw;
        break;
    }
  }
  return { flags: values as FlagValues<S>, rest: args.slice(i) };
}

/** Flags may come before or after the positional arguments (`delete 12 --profile lab`). */
export function parseInterleavedFlags<S extends Record<string, FlagSpec>>(
  specs: S,
  args: readonly string[],
): { flags: FlagValues<S>; positional: string[] } {
  const flagTokens: string[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    flagTokens.push(arg);
    const body = arg.replace(/^--?/, '');
    const spec = specs[body] as FlagSpec | undefined;
    if (!body.includes('=') && spec && spec.kind !== 'bool' && i + 1 < args.length)
      flagTokens.push(args[++i]);
  }
  const { flags } = parseFlags(specs, flagTokens);
  return { flags, positional };
}
