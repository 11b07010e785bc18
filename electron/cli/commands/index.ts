/**
 * Every `kiln` command: its name, its line for `kiln --help`, and its module, loaded only when the
 * command runs — start-up is most of a short command's time, so `kiln version` does not load the
 * template engine and `kiln validate` does not load MAAS. One entry per command.
 */
import type { Command } from '../io';

export interface CommandEntry {
  name: string;
  /** One line for `kiln --help` (the same as the command's own `synopsis`; a test checks). */
  synopsis: string;
  load(): Promise<Command>;
}

export const commands: CommandEntry[] = [
  {
    name: 'version',
    synopsis: 'Prints the Kiln version',
    load: async () => (await import('./version')).versionCommand,
  },
  {
    name: 'build',
    synopsis: 'build image(s) from template',
    load: async () => (await import('./build')).buildCommand,
  },
  {
    name: 'validate',
    synopsis: 'check that a template is valid',
    load: async () => (await import('./validate')).validateCommand,
  },
  {
    name: 'inspect',
    synopsis: 'see the components of a template',
    load: async () => (await import('./inspect')).inspectCommand,
  },
  {
    name: 'console',
    synopsis: 'evaluate template expressions interactively',
    load: async () => (await import('./console')).consoleCommand,
  },
  {
    name: 'fmt',
    synopsis: 'Rewrites HCL2 config files to canonical format',
    load: async () => (await import('./fmt')).fmtCommand,
  },
  {
    name: 'hcl2_upgrade',
    synopsis: 'transform a JSON template into an HCL2 configuration',
    load: async () => (await import('./hcl2_upgrade')).hcl2UpgradeCommand,
  },
  {
    name: 'maas',
    synopsis: 'Manages MAAS connections and uploads custom images to a region',
    load: async () => (await import('./maas')).maasCommand,
  },
  {
    name: 'inspect-image',
    synopsis: 'Shows what an ISO, tarball or disk image holds',
    load: async () => (await import('./inspect-image')).inspectImageCommand,
  },
];
