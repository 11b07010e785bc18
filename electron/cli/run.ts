/**
 * The CLI frame shared by both bundles (`main.ts`: every command; `template-main.ts`: the template
 * commands only, so `kiln validate` loads less): argument dispatch, help, and the process's io.
 */
import type { CommandEntry } from './commands/entry';
import type { CliIo } from './io';
import { FlagError } from './flags';

function usage(commands: readonly CommandEntry[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  const lines = commands
    .slice()
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((c) => `    ${c.name.padEnd(width)}${c.synopsis}`);
  return `Usage: kiln [--version] [--help] <command> [<args>]\n\nAvailable commands are:\n${lines.join('\n')}\n`;
}

export function processIo(): CliIo {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  };
}

/** Runs `argv` against `commands`: exit 127 for an unknown command, usage for -h. */
export async function runCommand(
  commands: readonly CommandEntry[],
  argv: string[],
  io: CliIo,
): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === '-help' || name === 'help') {
    io.stderr.write(usage(commands));
    return name === undefined ? 127 : 0;
  }
  if (name === '--version' || name === '-version' || name === '-v')
    return runCommand(commands, ['version', ...args], io);
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    io.stderr.write(`kiln: unknown command "${name}"\n\n${usage(commands)}`);
    return 127;
  }
  const command = await entry.load();
  if (args.length === 1 && (args[0] === '-h' || args[0] === '--help' || args[0] === '-help')) {
    io.stderr.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof FlagError) {
      io.stderr.write(`${err.message}\n${command.usage}\n`);
      return 1;
    }
    throw err;
  }
}
