/** The checksum post-processor (packer `post-processor/checksum`): write checksum files of the artifact. */
import { known, str, stringList } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export interface ChecksumConfig {
  checksum_types: string[];
  /** Not rendered at Prepare: `{{.BuildName}}`, `{{.BuilderType}}`, `{{.ChecksumType}}` are filled in when it runs. */
  output: string;
}

export const CHECKSUM_TYPES = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'];

const FIELDS: FieldsOf<ChecksumConfig> = {
  checksum_types: stringList('Hashes to compute: md5, sha1, sha224, sha256, sha384, sha512.', {
    default: { value: ['md5'], text: '["md5"]' },
    allowed: CHECKSUM_TYPES,
  }),
  output: str('The checksum file to write, one per type.', {
    details:
      'May use `{{.BuildName}}`, `{{.BuilderType}}` and `{{.ChecksumType}}`. Lines read `<hash>\\t<file name>`.',
    default: { text: 'packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum' },
    interpolate: false,
  }),
};

export const checksumPostProcessor: ComponentSchema<ChecksumConfig> = {
  kind: 'post-processor',
  type: 'checksum',
  pluginId: 'checksum',
  doc: 'Writes checksum files for every file of the artifact (md5 by default).',
  details: 'The artifact is passed on, with the checksum files added to it.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (!ctx.isSet('checksum_types')) d.checksum_types = ['md5'];
    if (known(d.checksum_types)) {
      d.checksum_types.forEach((type, i) => {
        if (known(type) && !CHECKSUM_TYPES.includes(type))
          ctx.error(`Unrecognized checksum type: ${type}`, `checksum_types.${i}`);
      });
    }
    if (d.output === '') d.output = 'packer_{{.BuildName}}_{{.BuilderType}}_{{.ChecksumType}}.checksum';
    if (known(d.output)) {
      const error = ctx.checkTemplate(d.output);
      if (error) ctx.error(`Error parsing target template: ${error}`, 'output');
    }
  },
};
