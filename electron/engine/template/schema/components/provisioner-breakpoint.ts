/** The breakpoint provisioner (packer `provisioner/breakpoint`): pause the build until someone continues. */
import { bool, str } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export interface BreakpointConfig {
  note: string;
  disable: boolean;
}

const FIELDS: FieldsOf<BreakpointConfig> = {
  note: str('Shown when the build pauses here.', {
    details:
      'Packer prints `Pausing at breakpoint provisioner with note "<note>".` and waits for Enter; Kiln shows a Continue button.',
  }),
  disable: bool('Skip this breakpoint (it only logs that it is disabled).', {
    default: { value: false, text: 'false' },
  }),
};

export const breakpointProvisioner: ComponentSchema<BreakpointConfig> = {
  kind: 'provisioner',
  type: 'breakpoint',
  pluginId: 'breakpoint',
  doc: 'Pauses the build at this point until you continue; meanwhile you can open a shell into the machine.',
  details:
    'Kiln also sets breakpoints from the editor gutter without editing the template. Without a terminal, ' +
    'Packer fails with `Error asking for input: no available tty`; Kiln answers from the app or `kiln build`.',
  fields: FIELDS,
  prepare() {
    // Packer's breakpoint has nothing to default or check.
  },
};
