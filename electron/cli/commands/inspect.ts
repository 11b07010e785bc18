import type { Command } from '../io';
import { parseFlags } from '../flags';
import { parseVarFlags, templateVarFlags } from '../template-args';
import { formatDiagnostic } from '../diagnostics';
import { loadTemplate } from '../../engine/template/load';
import { inspectHcl } from '../../engine/template/hcl2/inspect';
import { inspectJson } from '../../engine/template/json/inspect';
import type { LoadedJsonTemplate } from '../../engine/template/json/load';
import { hasErrors } from '../../engine/template/source';
import { nodeHost } from '../../engine/node-host';

const usage = `Usage: kiln inspect [options] TEMPLATE

  Shows the variables, builds, provisioners and post-processors of a template.

Options:
  -machine-readable      Machine-readable output (JSON templates).
  -var 'key=value'       Variable for templates, can be used multiple times.
  -var-file=path         JSON or HCL2 file containing user variables, can be used multiple times.`;

export const inspectCommand: Command = {
  name: 'inspect',
  synopsis: 'see the components of a template',
  usage,
  async run(args, io) {
    const { flags, rest } = parseFlags({ ...templateVarFlags, 'machine-readable': { kind: 'bool' } }, args);
    if (rest.length !== 1) {
      io.stderr.write(`${usage}\n`);
      return 1;
    }
    const host = nodeHost({ cwd: io.cwd, env: io.env });
    const template = loadTemplate(
      rest[0],
      { vars: parseVarFlags(flags.var), varFiles: flags['var-file'] },
      host,
    );
    const lookup = (file: string) => {
      try {
        return host.readFile(file);
      } catch {
        return undefined;
      }
    };
    if (hasErrors(template.diagnostics)) {
      for (const d of template.diagnostics) io.stdout.write(formatDiagnostic(d, lookup));
      return 1;
    }
    io.stdout.write(
      template.format === 'json'
        ? inspectJson(template as LoadedJsonTemplate, { machineReadable: flags['machine-readable'] })
        : inspectHcl(template),
    );
    return 0;
  },
};
