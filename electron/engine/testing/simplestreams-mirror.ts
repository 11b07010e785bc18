/**
 * A small SimpleStreams mirror on disk, laid out as `sstream-mirror` writes Canonical's cloud-image
 * stream (streams/v1/index.json, one products:1.0 file, images under server/releases/...), with real
 * files and their real sha256, for tests of what Kiln lists and fetches.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface MirrorRelease {
  release: string;
  version: string;
  title: string;
  aliases: string;
  serials: string[];
  arches: string[];
  supported?: boolean;
}

export const MIRROR_RELEASES: MirrorRelease[] = [
  {
    release: 'jammy',
    version: '22.04',
    title: '22.04 LTS',
    aliases: '22.04,j,jammy',
    serials: ['20240126', '20240301'],
    arches: ['amd64', 'arm64'],
  },
  {
    release: 'noble',
    version: '24.04',
    title: '24.04 LTS',
    aliases: '24.04,default,lts,n,noble',
    serials: ['20240423'],
    arches: ['amd64'],
  },
  {
    release: 'focal',
    version: '20.04',
    title: '20.04 LTS',
    aliases: '20.04,f,focal',
    serials: ['20230117'],
    arches: ['amd64'],
    supported: false,
  },
];

export interface Mirror {
  root: string;
  /** Relative image path → its bytes' sha256. */
  images: Map<string, { sha256: string; size: number }>;
}

/** Writes the mirror; each image is `imageBytes` random bytes (a disk's contents do not matter here). */
export function writeMirror(root: string, imageBytes = 64 * 1024): Mirror {
  const images = new Map<string, { sha256: string; size: number }>();
  const write = (rel: string, data: Buffer | string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), data);
  };
  const products: Record<string, unknown> = {};
  for (const r of MIRROR_RELEASES) {
    for (const arch of r.arches) {
      const versions: Record<string, unknown> = {};
      for (const serial of r.serials) {
        const base = `server/releases/${r.release}/release-${serial}/ubuntu-${r.version}-server-cloudimg-${arch}`;
        const disk = randomBytes(imageBytes);
        const sha256 = createHash('sha256').update(disk).digest('hex');
        write(`${base}.img`, disk);
        images.set(`${base}.img`, { sha256, size: disk.length });
        const manifest = `${r.release} ${serial}\n`;
        write(`${base}.manifest`, manifest);
        versions[serial] = {
          label: 'release',
          pubname: `ubuntu-${r.release}-${r.version}-${arch}-server-${serial}`,
          items: {
            'disk1.img': {
              ftype: 'disk1.img',
              path: `${base}.img`,
              sha256,
              md5: createHash('md5').update(disk).digest('hex'),
              size: disk.length,
            },
            manifest: {
              ftype: 'manifest',
              path: `${base}.manifest`,
              sha256: createHash('sha256').update(manifest).digest('hex'),
              size: manifest.length,
            },
          },
        };
      }
      // `arch`, `release`… on the product and `label` on each version: inherited by the items.
      products[`com.ubuntu.cloud:server:${r.version}:${arch}`] = {
        aliases: r.aliases,
        arch,
        os: 'ubuntu',
        release: r.release,
        release_codename: r.release,
        release_title: r.title,
        support_eol: '2029-05-31',
        supported: r.supported ?? true,
        version: r.version,
        versions,
      };
    }
  }
  const contentId = 'com.ubuntu.cloud:released:download';
  write(
    `streams/v1/${contentId}.json`,
    JSON.stringify(
      {
        content_id: contentId,
        datatype: 'image-downloads',
        format: 'products:1.0',
        updated: 'Mon, 22 Apr 2024 10:00:00 +0000',
        products,
      },
      null,
      1,
    ),
  );
  write(
    'streams/v1/index.json',
    JSON.stringify({
      format: 'index:1.0',
      updated: 'Mon, 22 Apr 2024 10:00:00 +0000',
      index: {
        [contentId]: {
          datatype: 'image-downloads',
          format: 'products:1.0',
          path: `streams/v1/${contentId}.json`,
          products: Object.keys(products),
        },
        'com.ubuntu.cloud:released:aws': {
          datatype: 'image-ids',
          format: 'products:1.0',
          path: 'streams/v1/com.ubuntu.cloud:released:aws.json',
        },
      },
    }),
  );
  return { root, images };
}
