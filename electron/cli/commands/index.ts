/** Every `kiln` command. Each lives in its own module; add one import and one list line per command. */
import type { Command } from '../io';
import { consoleCommand } from './console';
import { fmtCommand } from './fmt';
import { buildCommand } from './build';
import { hcl2UpgradeCommand } from './hcl2_upgrade';
import { inspectCommand } from './inspect';
import { maasCommand } from './maas';
import { validateCommand } from './validate';
import { versionCommand } from './version';

export const commands: Command[] = [
  versionCommand,
  buildCommand,
  validateCommand,
  inspectCommand,
  consoleCommand,
  fmtCommand,
  hcl2UpgradeCommand,
  maasCommand,
];
