/** `kiln`: the engine for a terminal. Packer-compatible commands plus Kiln's own. */
import { commands } from './commands/index';
import type { CliIo } from './io';
import { processIo, runCommand } from './run';

export { processIo };

export function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  return runCommand(commands, argv, io);
}
