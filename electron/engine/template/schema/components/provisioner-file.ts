/** The file provisioner (packer `provisioner/file`): copy files and folders to or from the guest. */
import { UNKNOWN } from '../../config';
import { bool, known, str, stringList } from '../fields';
import { statError } from '../paths';
import type { ComponentSchema, FieldsOf } from '../types';

export interface FileProvisionerConfig {
  content: string;
  source: string;
  /** After Prepare: every source (`source` appended last, as Packer does). */
  sources: string[];
  destination: string;
  /** `upload` or `download`. */
  direction: string;
  generated: boolean;
}

const FIELDS: FieldsOf<FileProvisionerConfig> = {
  content: str('Text to write to `destination` (instead of a source file).', {
    details:
      'When destination is a folder the file is named `pkr-file-content`. Conflicts with source/sources.',
  }),
  source: str('The local file or folder to upload (or, with direction download, the path in the guest).', {
    details:
      'Relative to the directory Kiln runs in. For folders the trailing slash matters: `dir/` uploads the ' +
      'contents of dir, `dir` uploads dir itself into destination.',
    path: 'file-or-dir',
  }),
  sources: stringList('Several files to upload into one destination folder (which must end with `/`).', {
    path: 'file-or-dir',
  }),
  destination: str('Where the file goes: a path in the guest (or, with direction download, a local path).', {
    details: "End it with `/` to upload into a folder, keeping the source's name. Parent folders must exist.",
    required: true,
  }),
  direction: str('`upload` (to the guest) or `download` (from the guest).', {
    default: { value: 'upload', text: 'upload' },
    allowed: ['upload', 'download'],
  }),
  generated: bool(
    'The source is made during the build: check it exists only when uploading, not at validate time.',
    {
      default: { value: false, text: 'false' },
    },
  ),
};

export const fileProvisioner: ComponentSchema<FileProvisionerConfig> = {
  kind: 'provisioner',
  type: 'file',
  pluginId: 'file',
  doc: 'Uploads local files or folders to the machine (or downloads them from it).',
  details:
    "Use it to ship files your shell scripts need; folders follow rsync's trailing-slash rule. For anything " +
    'that needs root, upload to /tmp and move it with a shell provisioner.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.direction === '') d.direction = 'upload';
    const direction = d.direction;
    if (known(direction) && direction !== 'download' && direction !== 'upload') {
      ctx.error('Direction must be one of: download, upload.', 'direction');
    }
    if (!known(d.source)) d.sources = UNKNOWN;
    else if (d.source !== '' && known(d.sources)) d.sources = [...d.sources, d.source];
    if (direction === 'upload' && d.generated === false && known(d.sources)) {
      const fromSource = ctx.isSet('source') && !ctx.isSet('sources');
      d.sources.forEach((src, i) => {
        if (!known(src)) return;
        const error = statError(ctx.host, src);
        const key =
          fromSource || (ctx.isSet('source') && i === (d.sources as unknown[]).length - 1)
            ? 'source'
            : `sources.${i}`;
        if (error)
          ctx.error(
            `Bad source '${src}': ${error}`,
            key,
            `"${key.split('.')[0]}" names a file that does not exist`,
          );
      });
    }
    if (known(d.sources) && d.sources.length > 0 && known(d.content) && d.content !== '') {
      ctx.error('source(s) conflicts with content.', 'content');
    }
    if (d.destination === '') ctx.error('Destination must be specified.', 'destination');
  },
};
