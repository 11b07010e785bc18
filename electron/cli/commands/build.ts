/**
 * `kiln build`: Packer's build command. Loads the template, prepares every build (Packer's messages
 * for what it refuses), runs them with -parallel-builds/-debug/-on-error, prints as Packer prints, and
 * exits as Packer exits (1 when a build failed, was refused, or the run was interrupted).
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { OnErrorMode } from '../../engine/build/events';
import { prepareBuilds } from '../../engine/build/plan';
import { jsonComponentContext, loadJsonTemplate } from '../../engine/template/json/load';
import { formatPackerJsonErrors, wrapDetail } from '../../engine/template/json/diagnostics';
import type { BuildPlan } from '../../engine/template/model';
import type { AnswerSource } from '../answers';
import { FileAnswers, TerminalAnswers } from '../answers';
import { runForTerminal } from '../build-run';
import { parseFlags } from '../flags';
import type { CliIo, Command } from '../io';
import { nodeTemplateHost } from '../template-host';

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
                                for runs without a terminal. (Kiln)`;

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

function isHclPath(path: string, cwd: string): boolean {
  if (path.endsWith('.pkr.hcl') || path.endsWith('.pkr.json')) return true;
  try {
    return statSync(resolve(cwd, path)).isDirectory();
  } catch {
    return false;
  }
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
    const vars: [string, string][] = [];
    for (const v of flags.var) {
      const eq = v.indexOf('=');
      if (eq < 0) {
        out(
          `invalid value "${v}" for flag -var: Variable key=value must be given as 'key=value'\n${USAGE}\n`,
        );
        return 1;
      }
      vars.push([v.slice(0, eq), v.slice(eq + 1)]);
    }
    if (isHclPath(path, io.cwd)) {
      out(`Error: HCL2 templates cannot be built yet by this kiln build (${path}); use a JSON template\n`);
      return 1;
    }
    const host = nodeTemplateHost(io.cwd, io.env);
    let text: string;
    try {
      text = readFileSync(resolve(io.cwd, path), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      out(
        `Failed to parse template: open ${path}: ${code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}\n`,
      );
      return 1;
    }
    const template = loadJsonTemplate(path, text, { vars, varFiles: flags['var-file'] }, host);
    const refused = formatPackerJsonErrors(template.diagnostics);
    if (refused !== undefined) {
      out(refused);
      return 1;
    }
    const plans = selectBuilds(template.builds, 'json', splitList(flags.only), splitList(flags.except));
    const prepared = prepareBuilds(plans, {
      dialect: 'json',
      host,
      cwd: io.cwd,
      force: flags.force,
      context: (build, data) => jsonComponentContext(template, build, data ? { data } : {}),
    });
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
      signal: io.signal,
      initialExitCode: prepared.failures.length ? 1 : 0,
      interruptMessage: () => interruptMessage(io),
    });
  },
};
