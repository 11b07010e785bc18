/**
 * Packer's StepCleanupTempKeys (ssh_clear_authorized_keys): after provisioning, remove the temporary
 * public key from the guest's authorized_keys files (the user's and root's), so the image does not ship
 * with a key only this build knew. Failures are reported and the build goes on, as in Packer.
 */
import type { Step, StepAction, StepContext } from '../build/step';
import { COMMUNICATOR } from '../build/step';
import { runWithUi } from './communicator';
import type { CommunicatorConfig } from './config';
import { SSH_KEY_PAIR } from './step-connect';

/** The commands Packer runs: lines holding the key's base64 go (`#` delimits, as base64 has `/`). */
export function clearKeyCommands(publicKeyLine: string): [string, string][] {
  const base64 = publicKeyLine.trim().split(/\s+/)[1] ?? '';
  return [
    [
      '~/.ssh/authorized_keys',
      `sed -i.bak '\\#${base64}#d' ~/.ssh/authorized_keys; rm ~/.ssh/authorized_keys.bak`,
    ],
    [
      '/root/.ssh/authorized_keys',
      `sudo sed -i.bak '\\#${base64}#d' /root/.ssh/authorized_keys; sudo rm /root/.ssh/authorized_keys.bak`,
    ],
  ];
}

export class StepCleanupTempKeys implements Step {
  readonly name = 'StepCleanupTempKeys';
  readonly title = 'Remove the temporary SSH key';

  constructor(private readonly config: CommunicatorConfig) {}

  async run({ state, ui, signal }: StepContext): Promise<StepAction> {
    if (!this.config.ssh_clear_authorized_keys) return 'continue';
    if ((this.config.communicator || 'ssh') !== 'ssh') return 'continue';
    // Only a key this build generated is temporary; a key file is the author's own.
    if (this.config.ssh_private_key_file) return 'continue';
    const pair = state.get(SSH_KEY_PAIR);
    const comm = state.get(COMMUNICATOR);
    if (!pair || !comm) return 'continue';
    ui.say('Trying to remove ephemeral keys from authorized_keys files');
    for (const [file, command] of clearKeyCommands(pair.publicKey)) {
      try {
        await runWithUi(comm, command, ui, signal);
      } catch (err) {
        if (signal.aborted) return 'halt';
        ui.message(`Error cleaning up ${file}; please clean up keys manually: ${(err as Error).message}`);
      }
    }
    return 'continue';
  }
}
