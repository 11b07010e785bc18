/** The compress post-processor (packer `post-processor/compress`): archive and/or compress the artifact. */
import { int, known, str } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export interface CompressConfig {
  /** Not rendered at Prepare: `{{.BuildName}}` and `{{.BuilderType}}` are filled in when it runs. */
  output: string;
  format: string;
  /** 1–9, or -1 for the library default. */
  compression_level: number;
  /** After Prepare: `tar`, `zip` or '' (no archive: compress the single file). */
  archive: string;
  /** After Prepare: `pgzip`, `lz4`, `bgzf`, `xz`, `bzip2`, or '' (archive only). */
  algorithm: string;
}

const FIELDS: FieldsOf<CompressConfig> = {
  output: str(
    'The file to write; its extensions choose the format (`.tar.gz`, `.zip`, `.gz`, `.lz4`, `.xz`, …).',
    {
      details:
        'May use `{{.BuildName}}` and `{{.BuilderType}}`. One input file with a plain compression extension ' +
        '(`disk.img.gz`) is compressed as it is; several files, or `.tar.*`/`.zip`, are archived first. ' +
        'packer-maas writes `custom-ubuntu-lvm.dd.gz` for MAAS `ddgz` images.',
      default: { text: 'packer_{{.BuildName}}_{{.BuilderType}}' },
      interpolate: false,
    },
  ),
  format: str('An extension to use instead of reading it from `output` (e.g. `tar.gz`).'),
  compression_level: int('Compression level, 1 (fastest) to 9 (smallest).', {
    details: 'Values above 9 become 9; 0 and -1 mean the library default (6 for gzip).',
    default: { value: -1, text: 'library default' },
  }),
  archive: str('Worked out from `output`; not meant to be set.', { undocumented: true }),
  algorithm: str('Worked out from `output`; not meant to be set.', { undocumented: true }),
};

const EXTENSIONS: Record<string, string> = {
  tar: 'tar',
  zip: 'zip',
  gz: 'pgzip',
  lz4: 'lz4',
  bgzf: 'bgzf',
  xz: 'xz',
  bzip2: 'bzip2',
};

/** The archive and algorithm Packer derives from the output name (detectFromFilename). */
export function detectCompression(
  output: string,
  format: string,
  current: { archive: string; algorithm: string },
) {
  const result = { ...current };
  const name = format === '' ? output : `${output}.${format}`;
  const parts = [...name.matchAll(/\.([a-z0-9]+)/g)].map((m) => m[1]);
  if (parts.length === 0) return { archive: 'tar', algorithm: 'pgzip' };
  const last = parts[parts.length - 1];
  const nextToLast = parts.length > 1 ? parts[parts.length - 2] : '';
  if (nextToLast === 'tar') result.archive = 'tar';
  if (last === 'zip' || last === 'tar') return { ...result, archive: last };
  const algorithm = EXTENSIONS[last];
  if (algorithm !== undefined) return { ...result, algorithm };
  return { archive: 'tar', algorithm: 'pgzip' };
}

export const compressPostProcessor: ComponentSchema<CompressConfig> = {
  kind: 'post-processor',
  type: 'compress',
  pluginId: 'compress',
  doc: "Compresses the artifact's files into one file (gzip, lz4, xz, bzip2, zip or tar).",
  details:
    'The format follows the `output` extension. The new file replaces the artifact unless `keep_input_artifact` is true.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.output === '') d.output = 'packer_{{.BuildName}}_{{.BuilderType}}';
    if (known(d.compression_level) && d.compression_level > 9) d.compression_level = 9;
    if (d.compression_level === -1 || d.compression_level === 0) d.compression_level = -1;
    if (known(d.output)) {
      const error = ctx.checkTemplate(d.output);
      if (error) ctx.error(`Error parsing target template: ${error}`, 'output');
    }
    if (known(d.output) && known(d.format) && known(d.archive) && known(d.algorithm)) {
      const detected = detectCompression(d.output, d.format, { archive: d.archive, algorithm: d.algorithm });
      d.archive = detected.archive;
      d.algorithm = detected.algorithm;
    }
  },
};
