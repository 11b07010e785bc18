/**
 * Kiln's maas-upload post-processor: uploads the image to a MAAS region as a custom boot resource —
 * what packer-maas's READMEs do by hand with `maas admin boot-resources create`.
 */
import { bool, int, known, str } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';
import { MAAS_IMAGE_FILETYPES } from './pp-maas-image';

export interface MaasUploadConfig {
  profile: string;
  url: string;
  api_key: string;
  image_name: string;
  title: string;
  architecture: string;
  base_image: string;
  filetype: string;
  chunk_size: number;
  wait_for_sync: boolean;
  skip_readiness_check: boolean;
}

const FIELDS: FieldsOf<MaasUploadConfig> = {
  profile: str('A saved connection (`kiln maas login PROFILE URL KEY`).', {
    details:
      'Without `profile` or `url`: KILN_MAAS_URL and KILN_MAAS_API_KEY, else KILN_MAAS_PROFILE, else the default profile.',
  }),
  url: str('The region, e.g. `http://maas:5240/MAAS`.'),
  api_key: str('The API key, `consumer:token:secret` (prefer a profile or KILN_MAAS_API_KEY).', {
    sensitive: true,
  }),
  image_name: str(
    'The boot resource name (MAAS `name`): `custom/NAME` (or a name without `/`), or `os/series` for an OS MAAS knows.',
    {
      details:
        'MAAS stores `custom/foo` as `foo`. Names must be unique: uploading the same name replaces the image. ' +
        "(`name` itself is the post-processor's own name, a meta-argument of every post-processor.)",
    },
  ),
  title: str('The title MAAS shows.'),
  architecture: str('`arch/subarch`, e.g. `amd64/generic` or `arm64/generic`.', {
    default: { value: 'amd64/generic', text: 'amd64/generic' },
  }),
  base_image: str(
    'For custom images of other OSes: the `os/series` MAAS deploys them as (`rhel/9`, `centos/8`, `ubuntu/noble`).',
    {
      details:
        'Without it MAAS assumes its commissioning Ubuntu release; RHEL-like images then fail to deploy (packer-maas #100).',
    },
  ),
  filetype: str(
    'The MAAS filetype; by default the one maas-image made, else from the file name, else `tgz`.',
    {
      allowed: MAAS_IMAGE_FILETYPES,
    },
  ),
  chunk_size: int('Bytes per upload request (64 KiB to 8 MiB; MAAS refuses bodies over 10 MiB).', {
    default: { value: 4194304, text: '4 MiB' },
  }),
  wait_for_sync: bool('Wait until every region controller holds the image.', {
    default: { value: false, text: 'false' },
  }),
  skip_readiness_check: bool('Upload even when the readiness check finds errors.', {
    default: { value: false, text: 'false' },
  }),
};

export const maasUploadPostProcessor: ComponentSchema<MaasUploadConfig> = {
  kind: 'post-processor',
  type: 'maas-upload',
  pluginId: '',
  doc: 'Uploads the image to a MAAS region as a custom boot resource (streamed, chunked, resumable).',
  details:
    'Checks the image first (filetype against content, cloud-init, machine-id, curtin hooks, base_image, …) and stops on errors. ' +
    'The artifact it passes on is the boot resource.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (known(d.image_name) && d.image_name === '')
      ctx.error('image_name is required (e.g. custom/ubuntu-noble)', 'image_name');
    if (known(d.image_name) && d.image_name.split('/').length > 2) {
      ctx.error(
        `image_name "${d.image_name}" has more than one "/": MAAS takes os/series or custom/name`,
        'image_name',
      );
    }
    if (d.architecture === '') d.architecture = 'amd64/generic';
    if (known(d.architecture) && !/^[^/\s]+\/[^/\s]+$/.test(d.architecture))
      ctx.error(
        `architecture must be arch/subarch (e.g. amd64/generic), not "${d.architecture}"`,
        'architecture',
      );
    if (known(d.filetype) && d.filetype !== '' && !MAAS_IMAGE_FILETYPES.includes(d.filetype)) {
      ctx.error(
        `filetype must be one of ${MAAS_IMAGE_FILETYPES.join(', ')}, not "${d.filetype}"`,
        'filetype',
      );
    }
    if (known(d.base_image) && d.base_image !== '' && !/^[^/\s]+\/[^/\s]+$/.test(d.base_image)) {
      ctx.error(
        `base_image must follow the format <osystem>/<series> (e.g. rhel/9), not "${d.base_image}"`,
        'base_image',
      );
    }
    if (d.chunk_size === 0) d.chunk_size = 4194304;
    if (known(d.chunk_size) && (d.chunk_size < 65536 || d.chunk_size > 8388608))
      ctx.error('chunk_size must be between 65536 and 8388608 bytes', 'chunk_size');
    if (known(d.profile) && known(d.url) && d.profile !== '' && d.url !== '')
      ctx.error('give either profile or url (with api_key), not both', 'profile');
    if (known(d.url) && known(d.api_key) && d.api_key !== '' && d.url === '')
      ctx.error('api_key needs url', 'api_key');
  },
};
