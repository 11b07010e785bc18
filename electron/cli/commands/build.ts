/**
 * `kiln build`: Packer's build command. Loads the template, prepares every build (Packer's messages
 * for what it refuses), runs them with -parallel-builds/-debug/-on-error, prints as Packer prints, and
 * exits as Packer exits (1 when a build failed, was refused, or the run was interrupted).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OnErrorMode } from '../../engine/build/events';
import { nodeHost } from '../../engine/node-host';
import { formatPackerJsonErrors, wrapDetail } from '../../engine/template/json/diagnostics';
import { loadTemplateForBuild } from '../../engine/build/data-sources';
import type { BuildPlan } from '../../engine/template/model';
import { hasErrors } from '../../engine/template/source';
import type { AnswerSource } from '../answers';
import { FileAnswers, TerminalAnswers } from '../answers';
import type { ConsoleChoice } from '../build-console';
import { chooseConsoles } from '../build-console';
import { runForTerminal } from '../build-run';
import { parseFlags } from '../flags';
import type { CliIo, Command } from '../io';
import { formatDiagnostic } from '../diagnostics';
import { parseVarFlags } from '../template-args';

const USAGE = `Usage: kiln build [options] TEMPLATE

  Will execute multiple builds in parallel as defined in the template.
  The various artifacts created by the template will be outputted.

Options:

  -color=false                  Disable color output. (Default: color)
  -debug                        Debug mode enabled for builds.
  -except=foo,bar,baz           Run all builds and post-processors other than these.
  -only=foo,bar,baz             Build only the specified builds.
  -force                        Force a build to continue if artifacts exist, deletes existing artifacts.
  -machine-readable             Produce machine-readable output.
  -on-error=[cleanup|abort|ask|run-cleanup-provisioner] If the build fails do: clean up (default), abort, ask, or run-cleanup-provisioner.
  -parallel-builds=1            Number of builds to run in parallel. 1 disables parallelization. 0 means no limit (Default: 0)
  -timestamp-ui                 Enable prefixing of each ui output with an RFC3339 timestamp.
  -var 'key=value'              Variable for templates, can be used multiple times.
  -var-file=path                JSON or HCL2 file containing user variables.
  --answers=path                Answers for prompts (breakpoints, -debug, -on-error=ask), one per line,
                                for runs without a terminal. (Kiln)
  --console[=NAME]              Show the VM's serial console, byte for byte, among the build's messages,
                                and type into it: on a terminal every key goes to the VM while it runs
                                (Ctrl-] stops typing, Ctrl-C still cancels the build); piped stdin is
                                typed as it comes. With several VM builds, each console line is prefixed
                                with its build's name and nothing is typed; NAME picks one build (its
                                full name, or its last part: guest for qemu.guest). Prompts take the
                                keyboard back while they wait, and hold the console until answered. (Kiln)`;

const ON_ERROR = ['cleanup', 'abort', 'ask', 'run-cleanup-provisioner'] as const;

const flagSpecs = {
  color: { kind: 'bool', default: true },
  debug: { kind: 'bool' },
  force: { kind: 'bool' },
  'timestamp-ui': { kind: 'bool' },
  'machine-readable': { kind: 'bool' },
  'parallel-builds': { kind: 'int', default: 0 },
  'on-error': { kind: 'enum', values: ON_ERROR, default: 'cleanup' },
  only: { kind: 'string' },
  except: { kind: 'string' },
  var: { kind: 'list' },
  'var-file': { kind: 'list' },
  answers: { kind: 'string' },
  console: { kind: 'optional' },
} as const;

/** gobwas/glob as Packer uses it for HCL build names: `*`, `?`, `[...]`, `{a,b}`. */
export function globMatch(pattern: string, name: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) return pattern === name;
      re += `[${pattern.slice(i + 1, end).replace(/^!/, '^')}]`;
      i = end;
    } else if (c === '{') {
      const end = pattern.indexOf('}', i);
      if (end < 0) return pattern === name;
      re += `(?:${pattern
        .slice(i + 1, end)
        .split(',')
        .map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')})`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) re += `\\${pattern[++i]}`;
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's').test(name);
}

/** -only/-except: exact names for JSON, globs for HCL; -except also drops post-processors by name. */
export function selectBuilds(
  builds: readonly BuildPlan[],
  dialect: 'json' | 'hcl',
  only: string[],
  except: string[],
): BuildPlan[] {
  const matches = (patterns: string[], name: string) =>
    patterns.some((p) => (dialect === 'hcl' ? globMatch(p, name) : p === name));
  return builds
    .filter((b) => (only.length ? matches(only, b.name) : !matches(except, b.name)))
    .map((b) => ({
      ...b,
      postProcessors: b.postProcessors
        .map((chain) => {
          const cut = chain.findIndex((pp) => except.includes(pp.name));
          return cut < 0 ? chain : chain.slice(0, cut);
        })
        .filter((chain) => chain.length > 0),
    }));
}

function splitList(value: string): string[] {
  return value === '' ? [] : value.split(',').filter((s) => s !== '');
}

function interruptMessage(io: CliIo): string {
  const reason = io.signal.reason instanceof Error ? io.signal.reason.message : '';
  return `Cancelling build after receiving ${/SIGTERM/.test(reason) ? 'terminated' : 'interrupt'}`;
}

export const buildCommand: Command = {
  name: 'build',
  synopsis: 'build image(s) from template',
  usage: USAGE,
  async run(args, io) {
    const { flags, rest } = parseFlags(flagSpecs, args);
    if (rest.length !== 1) {
      io.stdout.write(`${USAGE}\n`);
      return 1;
    }
    const out = (text: string) => io.stdout.write(text);
    const path = rest[0];
    const host = nodeHost({ cwd: io.cwd, env: io.env });
    const { template } = await loadTemplateForBuild(
      path,
      { vars: parseVarFlags(flags.var), varFiles: flags['var-file'] },
      host,
      { signal: io.signal, say: (line) => out(`${line}\n`) },
    );
    if (hasErrors(template.diagnostics)) {
      // JSON: Packer's own texts for the stage that stops it; HCL: diagnostics as Packer lays them out.
      const packerText =
        template.format === 'json' ? formatPackerJsonErrors(template.diagnostics) : undefined;
      if (packerText !== undefined) out(packerText);
      else {
        const lookup = (file: string) => {
          try {
            return host.readFile(file);
          } catch {
            return undefined;
          }
        };
        for (const d of template.diagnostics) out(formatDiagnostic(d, lookup));
      }
      return 1;
    }
    if (flags.console !== undefined && flags['machine-readable']) {
      io.stderr.write(
        '--console cannot be used with -machine-readable: console bytes are not lines of that format.\n',
      );
      return 1;
    }
    const plans = selectBuilds(
      template.builds,
      template.format,
      splitList(flags.only),
      splitList(flags.except),
    );
    let consoleChoice: ConsoleChoice | undefined;
    if (flags.console !== undefined) {
      const choice = chooseConsoles(plans, flags.console);
      if (typeof choice === 'string') {
        io.stderr.write(`${choice}\n`);
        return 1;
      }
      consoleChoice = choice;
    }

    // The components (ssh2, compressors) load only when a build runs, not with every kiln command.
    const { prepareBuilds } = await import('../../engine/build/plan');
    const prepared = prepareBuilds(plans, { template, host, cwd: io.cwd, force: flags.force });
    for (const w of prepared.warnings) {
      out(`Warning: Warning when preparing build: "${w.build}"\n\n${wrapDetail(w.warning)}\n\n`);
    }
    for (const f of prepared.failures) {
      out(`Error: Failed to prepare build: "${f.build}"\n\n${wrapDetail(f.error)}\n\n`);
    }

    let answers: AnswerSource | undefined;
    if (flags.answers) {
      try {
        answers = new FileAnswers(readFileSync(resolve(io.cwd, flags.answers), 'utf8'));
      } catch (err) {
        out(`Error reading answers file: ${(err as Error).message}\n`);
        return 1;
      }
    } else if (io.stdin.isTTY && !flags['machine-readable']) {
      answers = new TerminalAnswers(io.stdin);
    }
    const color =
      flags.color && !flags['machine-readable'] && !io.env.PACKER_NO_COLOR && io.env.NO_COLOR === undefined;
    return runForTerminal(prepared.builds, {
      run: {
        debug: flags.debug,
        force: flags.force,
        onError: flags['on-error'] as OnErrorMode,
        parallel: flags['parallel-builds'],
        cwd: io.cwd,
        sensitiveValues: template.sensitiveValues,
      },
      printer: {
        color,
        timestamp: flags['timestamp-ui'],
        machineReadable: flags['machine-readable'],
        write: out,
      },
      ...(answers ? { answers } : {}),
      ...(consoleChoice
        ? {
            console: {
              choice: consoleChoice,
              output: io.stdout,
              ...(consoleChoice.typeInto !== undefined ? { input: io.stdin } : {}),
            },
          }
        : {}),
      signal: io.signal,
      initialExitCode: prepared.failures.length ? 1 : 0,
      interruptMessage: () => interruptMessage(io),
    });
  },
};
