import type { Command } from '../io';

/** A command as `kiln --help` lists it, its module loaded only when the command runs. */
export interface CommandEntry {
  name: string;
  /** One line for `kiln --help` (the same as the command's own `synopsis`; a test checks). */
  synopsis: string;
  load(): Promise<Command>;
}
