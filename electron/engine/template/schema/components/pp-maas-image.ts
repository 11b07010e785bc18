/**
 * Kiln's maas-image post-processor: the MAAS artifact (root tarball or disk image) made from the built
 * disk without root or FUSE — what packer-maas does with shell-local + fuse-nbd + fuse-tar-root, or with
 * compress for `.dd.gz`.
 */
import { bool, int, known, str } from '../fields';
import type { ComponentSchema, FieldsOf } from '../types';

export const MAAS_IMAGE_FILETYPES = [
  'tgz',
  'tbz',
  'txz',
  'ddraw',
  'ddgz',
  'ddxz',
  'ddbz2',
  'ddtar',
  'ddtgz',
  'ddtbz',
  'ddtxz',
];

/** The output name's extension per filetype (the default output is `<build name><extension>`). */
export const MAAS_IMAGE_EXTENSIONS: Record<string, string> = {
  tgz: '.tar.gz',
  tbz: '.tar.bz2',
  txz: '.tar.xz',
  ddraw: '.dd.raw',
  ddgz: '.dd.gz',
  ddxz: '.dd.xz',
  ddbz2: '.dd.bz2',
  ddtar: '.dd.tar',
  ddtgz: '.dd.tar.gz',
  ddtbz: '.dd.tar.bz2',
  ddtxz: '.dd.tar.xz',
};

export interface MaasImageConfig {
  filetype: string;
  /** Not rendered at Prepare: `{{.BuildName}}` and `{{.BuilderType}}` are filled in when it runs. */
  output: string;
  partition: number;
  curtin_hooks: string;
  compression_level: number;
  skip_clean: boolean;
  skip_bls_boot: boolean;
  skip_readiness_check: boolean;
}

const FIELDS: FieldsOf<MaasImageConfig> = {
  filetype: str(
    'The MAAS filetype to make: a root tarball (`tgz`, `tbz`, `txz`) or a disk image (`ddgz`, `ddxz`, `ddraw`, …).',
    {
      details:
        "Root tarballs hold the root partition as packer-maas's fuse-tar-root makes it; disk images hold the whole disk " +
        '(`ddtgz`/`ddtbz`/`ddtxz`/`ddtar` inside a tar, the others bare). Upload it with the same filetype.',
      default: { value: 'tgz', text: 'tgz' },
      allowed: MAAS_IMAGE_FILETYPES,
    },
  ),
  output: str('The file to write.', {
    details:
      'May use `{{.BuildName}}` and `{{.BuilderType}}`. Written as `<output>.part` and renamed when complete.',
    default: { text: "{{.BuildName}} with the filetype's extension (`.tar.gz`, `.dd.gz`, …)" },
    interpolate: false,
  }),
  partition: int('Root tarballs: the partition holding the root file system (as in /dev/vdaN).', {
    details: "packer-maas's ROOT_PARTITION. By default Kiln finds it: the ext4 partition with /etc and /usr.",
    default: { value: 0, text: 'found' },
  }),
  curtin_hooks: str(
    "Root tarballs: a directory copied into the image as /curtin (packer-maas's `curtin/` or CURTIN_HOOKS).",
    {
      details:
        'Relative to the working directory. Files are owned by root in the image and keep their modes.',
    },
  ),
  compression_level: int('Compression level: gzip and bzip2 1–9, xz 0–9.', {
    default: { value: 0, text: 'gzip 6, bzip2 9, xz 6' },
  }),
  skip_clean: bool("Root tarballs: keep /etc/machine-id and cloud-init's state as they are on the disk.", {
    details:
      'By default the tarball gets an empty machine-id, and no /var/lib/cloud/instance(s) or cloud-init logs (as fuse-tar-root).',
    default: { value: false, text: 'false' },
  }),
  skip_bls_boot: bool('Root tarballs: do not add an XBOOTLDR (`bls_boot`) partition as /boot.', {
    default: { value: false, text: 'false' },
  }),
  skip_readiness_check: bool('Do not check the image for what MAAS needs after making it.', {
    details:
      'The check reports errors and warnings (cloud-init, machine-id, curtin hooks, network, kernel, …); it never fails the build here.',
    default: { value: false, text: 'false' },
  }),
};

export const maasImagePostProcessor: ComponentSchema<MaasImageConfig> = {
  kind: 'post-processor',
  type: 'maas-image',
  pluginId: '',
  doc: 'Makes a MAAS image (root tarball or disk image) from the built disk, without root, mounts or FUSE.',
  details:
    'Reads qcow2 and raw disks (other qemu formats through qemu-nbd), GPT and MBR, and ext2/3/4 by itself. ' +
    'The artifact it passes on is the image file, ready for `maas-upload`. The built disk is kept.',
  fields: FIELDS,
  prepare(ctx) {
    const d = ctx.draft;
    if (d.filetype === '') d.filetype = 'tgz';
    if (known(d.filetype) && !MAAS_IMAGE_FILETYPES.includes(d.filetype)) {
      ctx.error(
        `filetype must be one of ${MAAS_IMAGE_FILETYPES.join(', ')}, not "${d.filetype}"`,
        'filetype',
      );
    }
    if (known(d.output) && d.output === '' && known(d.filetype))
      d.output = `{{.BuildName}}${MAAS_IMAGE_EXTENSIONS[d.filetype] ?? ''}`;
    if (known(d.output)) {
      const error = ctx.checkTemplate(d.output);
      if (error) ctx.error(`Error parsing target template: ${error}`, 'output');
    }
    if (known(d.partition) && d.partition < 0)
      ctx.error('partition must be a partition number (or 0 to find the root)', 'partition');
    if (known(d.compression_level) && (d.compression_level < 0 || d.compression_level > 9)) {
      ctx.error('compression_level must be between 0 and 9', 'compression_level');
    }
    const tarball = known(d.filetype) && d.filetype.startsWith('t');
    if (known(d.filetype) && !tarball) {
      for (const key of ['partition', 'curtin_hooks', 'skip_clean', 'skip_bls_boot'] as const) {
        if (ctx.isSet(key))
          ctx.note(
            'warning',
            `${key} applies to root tarballs; a ${d.filetype} image holds the whole disk as it is`,
            key,
          );
      }
    }
  },
};
