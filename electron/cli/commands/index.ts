/** Every `kiln` command. Each lives in its own module; add one line here per command. */
import type { Command } from '../io';
import { hcl2UpgradeCommand } from './hcl2_upgrade';
import { versionCommand } from './version';
import { fmtCommand } from './fmt';
import { buildCommand } from './build';

export const commands: Command[] = [versionCommand, hcl2UpgradeCommand, fmtCommand, buildCommand];
