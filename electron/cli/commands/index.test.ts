/**
 * The command registry: each entry names the module it loads, and its `kiln --help` line is the
 * command's own synopsis (the entry repeats it so that `--help` loads no command).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../io';
import { main } from '../main';
import { commands } from './index';

function io(): CliIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    stdout: { write: (t: string) => void (stdout += t) },
    stderr: { write: (t: string) => void (stderr += t) },
    stdin: Readable.from([]),
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
    out: () => stdout,
    err: () => stderr,
  };
}

describe('the command registry', () => {
  it('loads, for every entry, the command of that name with that synopsis', async () => {
    expect(new Set(commands.map((c) => c.name)).size).toBe(commands.length);
    for (const entry of commands) {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.synopsis).toBe(entry.synopsis);
      expect(command.usage.length).toBeGreaterThan(0);
    }
  });

  it('lists every command in --help, sorted, and exits 0', async () => {
    const cli = io();
    expect(await main(['--help'], cli)).toBe(0);
    const listed = cli
      .err()
      .split('\n')
      .filter((l) => l.startsWith('    '))
      .map((l) => l.trim().split(/\s+/)[0]);
    expect(listed).toEqual(commands.map((c) => c.name).sort((a, b) => a.localeCompare(b)));
    for (const c of commands) expect(cli.err()).toContain(c.synopsis);
  });

  it("prints a command's usage for -h and runs it otherwise", async () => {
    const help = io();
    expect(await main(['version', '-h'], help)).toBe(0);
    expect(help.err()).toBe('Usage: kiln version\n');
    const run = io();
    expect(await main(['version'], run)).toBe(0);
    expect(run.out()).toMatch(/^Kiln v\d+\.\d+\.\d+ /);
  });

  it('refuses an unknown command with exit 127', async () => {
    const cli = io();
    expect(await main(['no-such-command'], cli)).toBe(127);
    expect(cli.err()).toContain('kiln: unknown command "no-such-command"');
  });
});
