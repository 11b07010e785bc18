/** The flags every template command shares (-var, -var-file) and turning them into load options. */
import type { FlagSpec } from './flags';
import { FlagError } from './flags';

export const templateVarFlags = {
  var: { kind: 'list' },
  'var-file': { kind: 'list' },
} as const satisfies Record<string, FlagSpec>;

/** `-var name=value` → [name, value]; Packer splits at the first `=`. */
export function parseVarFlags(vars: string[]): [string, string][] {
  return vars.map((v) => {
    const eq = v.indexOf('=');
    if (eq <= 0)
      throw new FlagError(`invalid value "${v}" for flag -var: Variables must be in the form of key=value`);
    return [v.slice(0, eq), v.slice(eq + 1)];
  });
}
