/**
 * `kiln init`: what `packer init` does for a Packer user, answered by Kiln. Kiln installs no plugins:
 * the components it builds are built in. So init reads the template's `required_plugins` and says, for
 * each, whether Kiln provides it (then there is nothing to install) or not (then its components are
 * checked but cannot be built by Kiln). Exit status 0 when every required plugin is provided.
 */
import { nodeHost } from '../../engine/node-host';
import { BUILT_IN_PLUGINS } from '../../engine/template/hcl2/packer-block';
import { loadTemplate } from '../../engine/template/load';
import { formatDiagnostic } from '../diagnostics';
import { FlagError, parseFlags } from '../flags';
import type { Command } from '../io';

const usage = `Usage: kiln init [options] TEMPLATE|FOLDER

  Reads the template's required_plugins, as packer init does, and says which
  Kiln provides. Kiln downloads no plugins: its components (the qemu, null and
  file builders; the shell, file, shell-local and breakpoint provisioners; the
  compress, checksum, manifest, shell-local and artifice post-processors) are
  built in. Exit status 0 when Kiln provides every required plugin, 1 when
  one is missing (its components cannot be built with Kiln) or the packer
  block is invalid.

Options:
  -upgrade   Accepted for packer init compatibility; there is nothing to upgrade.`;

export const initCommand: Command = {
  name: 'init',
  synopsis: 'Says which required plugins Kiln provides (nothing to install)',
  usage,
  async run(args, io) {
    let rest: string[];
    try {
      const parsed = parseFlags({ upgrade: { kind: 'bool' } }, args);
      rest = parsed.rest;
      if (rest.length !== 1) throw new FlagError('one TEMPLATE or FOLDER is needed');
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      io.stderr.write(`kiln init: ${err.message}\n\n${usage}\n`);
      return 1;
    }
    const host = nodeHost({ cwd: io.cwd, env: io.env });
    const template = loadTemplate(rest[0], { vars: [], varFiles: [] }, host);
    const lookup = (file: string) => {
      try {
        return host.readFile(file);
      } catch {
        return undefined;
      }
    };
    // Only the packer block's own problems matter here (init does not validate the rest).
    const packerBlock = template.diagnostics.filter(
      (d) =>
        d.severity === 'error' &&
        /Invalid required_plugins entry|version constraint|Unsupported Packer Core version/.test(d.summary),
    );
    const unreadable = template.diagnostics.filter((d) => d.severity === 'error' && !d.range);
    for (const d of [...unreadable, ...packerBlock]) io.stderr.write(formatDiagnostic(d, lookup));
    if (unreadable.length || packerBlock.length) return 1;
    if (template.format === 'json') {
      io.stdout.write('A JSON template declares no required_plugins: nothing to install.\n');
      return 0;
    }
    const plugins = template.requiredPlugins ?? [];
    if (plugins.length === 0) {
      io.stdout.write('No plugins requirement found, the components Kiln builds are built in.\n');
      return 0;
    }
    let missing = 0;
    for (const p of plugins) {
      const builtIn = BUILT_IN_PLUGINS[p.source.toLowerCase()];
      const constraint = p.version ? ` (${p.version})` : '';
      if (builtIn) {
        io.stdout.write(`${p.source}${constraint}: built into Kiln as ${builtIn}; nothing to install.\n`);
      } else {
        missing++;
        io.stdout.write(
          `${p.source}${constraint}: not provided by Kiln; its components (${p.name}, ${p.name}-*) are checked but cannot be built.\n`,
        );
      }
    }
    return missing ? 1 : 0;
  },
};
