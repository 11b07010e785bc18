/** Every `kiln` command. Each lives in its own module; add one line here per command. */
import type { Command } from '../io';
import { maasCommand } from './maas';
import { versionCommand } from './version';

export const commands: Command[] = [versionCommand, maasCommand];
