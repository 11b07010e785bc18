import { createInterface } from 'node:readline';
import type { Command } from '../io';
import { parseFlags } from '../flags';
import { parseVarFlags, templateVarFlags } from '../template-args';
import { formatDiagnostic } from '../diagnostics';
import { loadTemplate } from '../../engine/template/load';
import { evalHclConsole } from '../../engine/template/hcl2/console';
import type { LoadedHclTemplate } from '../../engine/template/hcl2/load';
import { evalJsonConsole, formatConsoleError } from '../../engine/template/json/console';
import { Masker } from '../../engine/build/mask';
import type { LoadedJsonTemplate } from '../../engine/template/json/load';
import { hasErrors } from '../../engine/template/source';
import { nodeHost } from '../../engine/node-host';

const usage = `Usage: kiln console [options] [TEMPLATE]

  Reads expressions from stdin, one a line, and prints each result as packer console does:
  {{ }} interpolations for JSON templates, HCL expressions for HCL2 templates (and without a template).

Options:
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         JSON or HCL2 file containing user variables, can be used multiple times.`;

export const consoleCommand: Command = {
  name: 'console',
  synopsis: 'evaluate template expressions interactively',
  usage,
  async run(args, io) {
    const { flags, rest } = parseFlags(templateVarFlags, args);
    if (rest.length > 1) {
      io.stderr.write(`${usage}\n`);
      return 1;
    }
    const host = nodeHost({ cwd: io.cwd, env: io.env });
    const lookup = (file: string) => {
      try {
        return host.readFile(file);
      } catch {
        return undefined;
      }
    };
    const template = rest[0]
      ? loadTemplate(rest[0], { vars: parseVarFlags(flags.var), varFiles: flags['var-file'] }, host)
      : undefined;
    if (template && hasErrors(template.diagnostics)) {
      for (const d of template.diagnostics) io.stdout.write(formatDiagnostic(d, lookup));
      return 1;
    }
    const interactive = io.stdin.isTTY === true;
    const lines = createInterface({ input: io.stdin, terminal: false });
    if (interactive) io.stdout.write('> ');
    let status = 0;
    // JSON mode prints as Packer's UI does, through its secret filter; HCL marks sensitive values itself.
    const masker = new Masker(template?.format === 'json' ? template.sensitiveValues : []);
    for await (const line of lines) {
      if (template?.format === 'json') {
        const r = evalJsonConsole(line, template as LoadedJsonTemplate, host);
        if (r.exit) break;
        if (r.error !== undefined) {
          io.stdout.write(`${masker.mask(formatConsoleError(r.error))}\n`);
          status = 1;
        } else if (line.trim() !== '') io.stdout.write(`${masker.mask(r.output)}\n`);
      } else {
        const r = evalHclConsole(line, template as LoadedHclTemplate | undefined, host);
        if (r.exit) break;
        for (const d of r.diagnostics) io.stdout.write(formatDiagnostic(d, () => line));
        if (r.diagnostics.some((d) => d.severity === 'error')) status = 1;
        else if (line.trim() !== '') io.stdout.write(`${r.output}\n`);
      }
      if (interactive) io.stdout.write('> ');
    }
    return status;
  },
};
