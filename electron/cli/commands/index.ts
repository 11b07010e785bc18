/**
 * Every `kiln` command: its name, its line for `kiln --help`, and its module, loaded only when the
 * command runs — start-up is most of a short command's time, so `kiln version` does not load the
 * template engine and `kiln validate` does not load MAAS. One entry per command; the template
 * commands are listed in template.ts (they also make the small CLI bundle).
 */
import type { CommandEntry } from './entry';
import { templateCommands } from './template';

export type { CommandEntry };

export const commands: CommandEntry[] = [
  ...templateCommands,
  {
    name: 'build',
    synopsis: 'build image(s) from template',
    load: async () => (await import('./build')).buildCommand,
  },
  {
    name: 'maas',
    synopsis: 'Manages MAAS connections and uploads custom images to a region',
    load: async () => (await import('./maas')).maasCommand,
  },
  {
    name: 'doctor',
    synopsis: 'Checks that the tools Kiln needs are installed',
    load: async () => (await import('./doctor')).doctorCommand,
  },
  {
    name: 'images',
    synopsis: 'Lists and fetches Ubuntu cloud images to build from',
    load: async () => (await import('./images')).imagesCommand,
  },
  {
    name: 'inspect-image',
    synopsis: 'Shows what an ISO, tarball or disk image holds',
    load: async () => (await import('./inspect-image')).inspectImageCommand,
  },
];
