import type { Command } from '../io';
import { parseFlags } from '../flags';
import { parseVarFlags, templateVarFlags } from '../template-args';
import { formatDiagnostic } from '../diagnostics';
import { validateTemplate } from '../../engine/template/validate';
import type { Diagnostic } from '../../engine/template/source';
import { nodeHost } from '../../engine/node-host';

const usage = `Usage: kiln validate [options] TEMPLATE

  Checks that a template (a JSON file, an HCL2 file or a folder of *.pkr.hcl files) is valid: syntax,
  structure, variables, and every component's configuration. Exit status 0 when valid, 1 when not.

Options:
  -syntax-only           Only check syntax. Do not verify config of the template.
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         JSON or HCL2 file containing user variables, can be used multiple times.
  --json                 Print {"valid": bool, "diagnostics": [...]} on stdout, positions from 1.`;

interface JsonDiagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  file: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
}

function toJson(d: Diagnostic, template: string): JsonDiagnostic {
  const r = d.range;
  return {
    severity: d.severity,
    summary: d.summary,
    detail: d.detail,
    file: r?.file ?? template,
    range: r
      ? {
          start: { line: r.start.line, column: r.start.column },
          end: { line: r.end.line, column: r.end.column },
        }
      : { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } },
  };
}

export const validateCommand: Command = {
  name: 'validate',
  synopsis: 'check that a template is valid',
  usage,
  async run(args, io) {
    const { flags, rest } = parseFlags(
      {
        ...templateVarFlags,
        'syntax-only': { kind: 'bool' },
        json: { kind: 'bool' },
        'no-warn-undeclared-var': { kind: 'bool' },
      },
      args,
    );
    if (rest.length !== 1) {
      io.stderr.write(`${usage}\n`);
      return 1;
    }
    const host = nodeHost({ cwd: io.cwd, env: io.env });
    const result = validateTemplate(
      rest[0],
      { vars: parseVarFlags(flags.var), varFiles: flags['var-file'], syntaxOnly: flags['syntax-only'] },
      host,
    );
    if (flags.json) {
      io.stdout.write(
        JSON.stringify(
          { valid: result.valid, diagnostics: result.diagnostics.map((d) => toJson(d, rest[0])) },
          null,
          2,
        ) + '\n',
      );
      return result.valid ? 0 : 1;
    }
    const lookup = (file: string) => {
      try {
        return host.readFile(file);
      } catch {
        return undefined;
      }
    };
    for (const d of result.diagnostics) io.stdout.write(formatDiagnostic(d, lookup));
    if (result.valid) {
      io.stdout.write(
        flags['syntax-only']
          ? 'Syntax-only check passed. Everything looks okay.\n'
          : 'The configuration is valid.\n',
      );
    }
    return result.valid ? 0 : 1;
  },
};
