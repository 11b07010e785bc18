/** The shell-local provisioner (packer `provisioner/shell-local`): run commands on the machine running Kiln. */
import { SHELL_LOCAL_FIELDS, prepareShellLocal, type ShellLocalConfig } from '../common/shell-local';
import type { ComponentSchema } from '../types';

export type ShellLocalProvisionerConfig = ShellLocalConfig;

export const shellLocalProvisioner: ComponentSchema<ShellLocalProvisionerConfig> = {
  kind: 'provisioner',
  type: 'shell-local',
  pluginId: '',
  doc: 'Runs commands or scripts on the machine running Kiln (not in the VM), during provisioning.',
  details:
    "The environment has `PACKER_BUILD_NAME`, `PACKER_BUILDER_TYPE` and the HTTP server's `PACKER_HTTP_*` values. " +
    'Kiln runs it only for templates you trust. packer-maas uses it to make seed ISOs and, as a post-processor, ' +
    'to turn the built disk into a MAAS tarball.',
  fields: SHELL_LOCAL_FIELDS,
  prepare: prepareShellLocal,
  decodeErrorPrefix: 'Error decoding config: ',
};
