/** The file builder (packer `builder/file`): writes one file as the artifact, for testing post-processors. */
import { known, str } from '../fields';
import { statError } from '../paths';
import type { ComponentSchema, FieldsOf } from '../types';

export interface FileBuilderConfig {
  source: string;
  target: string;
  content: string;
}

const FIELDS: FieldsOf<FileBuilderConfig> = {
  source: str('A local file to copy to `target`. Conflicts with `content`.', { path: 'file' }),
  target: str('The file to create; it becomes the artifact.', { required: true, path: 'file' }),
  content: str('Text to write to `target`. Conflicts with `source`.'),
};

export const fileBuilder: ComponentSchema<FileBuilderConfig> = {
  kind: 'builder',
  type: 'file',
  pluginId: '',
  doc: 'Creates one local file (copied from `source` or written from `content`) and hands it on as the artifact.',
  details:
    'No machine is started and provisioners have nothing to connect to; it exists to test post-processors quickly.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.target === '') ctx.error('target required', 'target');
    if (d.content === '' && d.source === '')
      ctx.warning('Both source file and contents are blank; target will have no content');
    if (known(d.content) && d.content !== '' && known(d.source) && d.source !== '') {
      ctx.error('Cannot specify source file AND content', 'content');
    }
    // Packer only finds a missing source when the build copies it; Kiln says so at validate time.
    if (known(d.source) && d.source !== '') {
      const missing = statError(ctx.host, d.source);
      if (missing)
        ctx.note(
          'error',
          `Bad source '${d.source}': ${missing}`,
          'source',
          '"source" names a file that does not exist',
        );
    }
  },
};
