/**
 * The entry of the small CLI bundle (dist/cli-template.cjs): only the commands that read templates
 * (and `version`), so their start-up neither reads nor compiles MAAS, the build engine or zod.
 * bin/kiln.cjs runs these commands with it and everything else with the full bundle (main.ts).
 */
import { templateCommands } from './commands/template';
import type { CliIo } from './io';
import { processIo, runCommand } from './run';

/** The names this bundle serves; bin/kiln.cjs keeps the same list (a test checks). */
export const commandNames = templateCommands.map((c) => c.name);

export function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(templateCommands, argv, io);
}
