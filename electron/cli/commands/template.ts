/**
 * The commands that only read templates (and `version`): the small CLI bundle holds these alone
 * (template-main.ts), so they start without loading MAAS, the build engine or their libraries.
 */
import type { CommandEntry } from './entry';

export const templateCommands: CommandEntry[] = [
  {
    name: 'version',
    synopsis: 'Prints the Kiln version',
    load: async () => (await import('./version')).versionCommand,
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
    name: 'init',
    synopsis: 'Says which required plugins Kiln provides (nothing to install)',
    load: async () => (await import('./init')).initCommand,
  },
];
