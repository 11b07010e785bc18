/** The artifice post-processor (packer `post-processor/artifice`): replace the artifact with named files. */
import { bool, known, stringList } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export interface ArtificeConfig {
  files: string[];
  keep_input_artifact: boolean;
}

const FIELDS: FieldsOf<ArtificeConfig> = {
  files: stringList('The files that make up the new artifact (made by earlier steps, e.g. shell-local).', {
    required: true,
    path: 'file',
  }),
  keep_input_artifact: bool('Keep the artifact this post-processor replaced.', {
    default: { value: false, text: 'false' },
  }),
};

export const artificePostProcessor: ComponentSchema<ArtificeConfig> = {
  kind: 'post-processor',
  type: 'artifice',
  pluginId: 'artifice',
  doc: 'Replaces the artifact with the files you name, so later post-processors work on them.',
  details:
    'Typical use: a shell-local post-processor converts the disk, then artifice makes the result the artifact.',
  fields: FIELDS,
  prepare(ctx) {
    const files = ctx.draft.files;
    if (known(files) && files.length === 0) ctx.fail('No files specified in artifice configuration', 'files');
  },
};
