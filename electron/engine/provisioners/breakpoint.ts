/**
 * The breakpoint provisioner: pauses the build until someone answers (any answer continues). With no
 * terminal and no other answer source, it fails as Packer does: `Error asking for input: no available tty`.
 */
import type { Provisioner, ProvisionerContext } from '../build/components';

export interface BreakpointConfig {
  note?: string;
  disable?: boolean;
}

export class BreakpointProvisioner implements Provisioner {
  constructor(private readonly config: BreakpointConfig) {}

  async provision({ ui, signal }: ProvisionerContext): Promise<void> {
    const note = this.config.note ?? '';
    if (this.config.disable) {
      ui.say(
        note
          ? `Breakpoint provisioner with note "${note}" disabled; continuing...`
          : 'Breakpoint provisioner disabled; continuing...',
      );
      return;
    }
    ui.say(
      note ? `Pausing at breakpoint provisioner with note "${note}".` : 'Pausing at breakpoint provisioner.',
    );
    try {
      await ui.ask('Press enter to continue.', 'breakpoint', { signal, ...(note ? { subject: note } : {}) });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new Error(`Error asking for input: ${(err as Error).message}`, { cause: err });
    }
  }
}
