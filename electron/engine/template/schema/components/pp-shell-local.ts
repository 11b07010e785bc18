/** The shell-local post-processor (packer `post-processor/shell-local`): run local commands on the artifact. */
import { SHELL_LOCAL_FIELDS, prepareShellLocal, type ShellLocalConfig } from '../common/shell-local';
import { known } from '../fields';
import type { ComponentSchema } from '../types';

export type ShellLocalPostProcessorConfig = ShellLocalConfig;

export const shellLocalPostProcessor: ComponentSchema<ShellLocalPostProcessorConfig> = {
  kind: 'post-processor',
  type: 'shell-local',
  pluginId: '',
  doc: 'Runs commands or scripts on the machine running Kiln after the build, e.g. to convert the disk image.',
  details:
    'The artifact is passed on unchanged. The environment has `PACKER_BUILD_NAME` and `PACKER_BUILDER_TYPE`. ' +
    'packer-maas mounts the built disk here (qemu-nbd) to make the MAAS root tarball. Runs only for trusted templates.',
  fields: SHELL_LOCAL_FIELDS,
  prepare(ctx) {
    // The post-processor's old form took execute_command as one string run with `sh -c`.
    const command = ctx.draft.execute_command;
    if (known(command) && command.length === 1) ctx.draft.execute_command = ['sh', '-c', ...command];
    prepareShellLocal(ctx);
  },
  decodeErrorPrefix: 'Error decoding config: ',
};
