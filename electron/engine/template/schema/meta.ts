/**
 * The meta-arguments of provisioners and post-processors. The template loaders (JSON and HCL2) read
 * them and take them out of the component's config; they are described here so the editor can
 * complete and explain them next to the component's own keys.
 */
import { bool, duration, int, str, stringList } from './fields';
import type { ComponentKind } from '../model';
import type { FieldMap } from './types';

export const PROVISIONER_META_FIELDS: FieldMap = {
  only: stringList('Run this provisioner only for the builds named here.', {
    details:
      'Build names: JSON templates use the builder `name` (or its type); HCL2 templates use `<type>.<source name>` ' +
      '(for example `qemu.ubuntu`) or `<build name>.<type>.<source name>`. Cannot be used together with `except`.',
    interpolate: false,
  }),
  except: stringList('Run this provisioner for every build except those named here.', {
    details: 'The same build names as `only`. Cannot be used together with `only`.',
    interpolate: false,
  }),
  override: {
    type: { kind: 'map', of: { kind: 'object', fields: {}, hcl: 'attribute' } },
    doc: 'Per-build replacement values: `{ "<build name>": { "<key>": <value>, … } }`.',
    details:
      "Each entry names a build and the keys that replace this provisioner's own for that build, e.g. " +
      '`override = { "qemu.ubuntu" = { execute_command = "sudo sh {{.Path}}" } }`.',
    interpolate: false,
  },
  pause_before: duration('Wait this long before running the provisioner.', {
    details: 'Packer prints `Pausing <d> before the next provisioner...`.',
    default: { value: 0, text: '0s (no pause)' },
    interpolate: false,
  }),
  max_retries: int('Retry the provisioner this many times when it fails.', {
    details: 'Packer prints `Provisioner failed with "<error>", retrying with <n> trie(s) left`.',
    default: { value: 0, text: '0 (no retry)' },
    interpolate: false,
  }),
  timeout: duration('Cancel the provisioner when it runs longer than this.', {
    details:
      'Packer prints `Setting a <d> timeout for the next provisioner...` and on expiry `Cancelling provisioner after a timeout...`.',
    default: { value: 0, text: '0s (no timeout)' },
    interpolate: false,
  }),
  name: str('A name for this provisioner, shown in the log (HCL2).', { interpolate: false }),
};

export const POST_PROCESSOR_META_FIELDS: FieldMap = {
  only: stringList('Run this post-processor only for the builds named here.', { interpolate: false }),
  except: stringList('Run this post-processor for every build except those named here.', {
    interpolate: false,
  }),
  keep_input_artifact: bool('Keep the artifact this post-processor received (by default it is deleted).', {
    details:
      'When a post-processor makes a new artifact, Packer deletes the one it was given unless this is true ' +
      '(some post-processors, like manifest and checksum, always keep it).',
    default: { value: false, text: 'false' },
    interpolate: false,
  }),
  name: str('A name for this post-processor, shown as `Running post-processor: <name> (type <type>)`.', {
    interpolate: false,
  }),
};

/** Meta-arguments by component kind. */
export const META_FIELDS: Partial<Record<ComponentKind, FieldMap>> = {
  provisioner: PROVISIONER_META_FIELDS,
  'post-processor': POST_PROCESSOR_META_FIELDS,
};
