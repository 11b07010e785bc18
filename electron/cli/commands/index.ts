/** Every `kiln` command. Each lives in its own module; add one line here per command. */
import type { Command } from '../io';
import { versionCommand } from './version';
import { fmtCommand } from './fmt';

export const commands: Command[] = [versionCommand, fmtCommand];
