/** The manifest post-processor (packer `post-processor/manifest`): record the build's artifacts in JSON. */
import { bool, known, str, stringMap } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export interface ManifestConfig {
  output: string;
  strip_path: boolean;
  strip_time: boolean;
  custom_data: Record<string, string>;
}

const FIELDS: FieldsOf<ManifestConfig> = {
  output: str('The JSON file to write; each run adds a build to its `builds` list.', {
    default: { value: 'packer-manifest.json', text: 'packer-manifest.json' },
  }),
  strip_path: bool('Record file names only, without their folders.', {
    default: { value: false, text: 'false' },
  }),
  strip_time: bool('Leave out the `build_time` field.', { default: { value: false, text: 'false' } }),
  custom_data: stringMap('Extra key/value pairs recorded with each build.'),
};

export const manifestPostProcessor: ComponentSchema<ManifestConfig> = {
  kind: 'post-processor',
  type: 'manifest',
  pluginId: 'packer.post-processor.manifest',
  doc: "Appends the build's artifact (files, builder type, time, run UUID) to a JSON manifest file.",
  details:
    'Each entry has `name`, `builder_type`, `build_time`, `files` (name and size), `artifact_id`, `packer_run_uuid` ' +
    'and `custom_data`; `last_run_uuid` names the latest run.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.output === '') d.output = 'packer-manifest.json';
    if (known(d.output)) {
      const error = ctx.checkTemplate(d.output);
      if (error) ctx.fail(`Error parsing target template: ${error}`, 'output');
    }
  },
};
