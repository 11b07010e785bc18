/** The null builder (packer `builder/null`): no machine, only a communicator to an existing host. */
import {
  COMMUNICATOR_FIELDS,
  communicatorHost,
  prepareCommunicator,
  type CommunicatorConfig,
} from '../common/communicator';
import type { ComponentSchema } from '../types';

export type NullBuilderConfig = CommunicatorConfig;

export const nullBuilder: ComponentSchema<NullBuilderConfig> = {
  kind: 'builder',
  type: 'null',
  pluginId: 'fnoeding.null',
  doc: 'Creates nothing: runs the provisioners against an existing machine (SSH) or only locally (communicator none).',
  details:
    'Useful for preparing files before another build (packer-maas makes its cloud-init seed ISO this way with ' +
    '`communicator = "none"` and a `shell-local` provisioner), and for testing provisioners against a machine ' +
    'you already have. With SSH, `ssh_host`, `ssh_username` and one way to authenticate are required.',
  fields: COMMUNICATOR_FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    prepareCommunicator(ctx);
    if (d.communicator === 'none') return;
    const user =
      d.communicator === 'ssh' ? d.ssh_username : d.communicator === 'winrm' ? d.winrm_username : '';
    const password =
      d.communicator === 'ssh' ? d.ssh_password : d.communicator === 'winrm' ? d.winrm_password : '';
    if (communicatorHost(d) === '') {
      ctx.error('a Host must be specified, please reference your communicator documentation', 'ssh_host');
    }
    if (user === '')
      ctx.error(
        'a Username must be specified, please reference your communicator documentation',
        'ssh_username',
      );
    if (d.ssh_agent_auth === false && password === '' && d.ssh_private_key_file === '') {
      ctx.error(
        'one authentication method must be specified, please reference your communicator documentation',
      );
    }
    const agent = d.ssh_agent_auth === true;
    const hasPassword = typeof d.ssh_password === 'string' && d.ssh_password !== '';
    const hasKey = typeof d.ssh_private_key_file === 'string' && d.ssh_private_key_file !== '';
    if ((agent && (hasPassword || hasKey)) || (hasPassword && hasKey)) {
      ctx.error('only one of ssh_agent_auth, ssh_password, and ssh_private_key_file must be specified');
    }
  },
};
