import type { Command } from '../io';
import { KILN_VERSION, PACKER_COMPAT_VERSION } from '../../engine/version';

export const versionCommand: Command = {
  name: 'version',
  synopsis: 'Prints the Kiln version',
  usage: 'Usage: kiln version',
  async run(_args, io) {
    io.stdout.write(
      `Kiln v${KILN_VERSION} (Packer-compatible templates, as Packer v${PACKER_COMPAT_VERSION})\n`,
    );
    return 0;
  },
};
