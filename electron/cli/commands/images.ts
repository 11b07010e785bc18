/** `kiln images list|fetch`: Ubuntu cloud images from a SimpleStreams mirror, as base images for builds. */
import { cachedImagePath, fetchCloudImage } from '../../engine/images/fetch';
import {
  DEFAULT_FTYPE,
  listCloudImages,
  templateKeys,
  type CloudImage,
} from '../../engine/images/simplestreams';
import { defaultCacheDir } from '../../engine/vm/download';
import { FlagError, parseFlags } from '../flags';
import type { CliIo, Command } from '../io';
import { formatBytes } from './maas-progress';

const usage = `Usage: kiln images list [options] [RELEASE]
       kiln images fetch [options] RELEASE

  Ubuntu cloud images from a SimpleStreams mirror, to build from.

  list   Prints the newest image of each release (every serial with
         --all-versions), newest release first. RELEASE narrows it to one
         release: a code name (noble), a version (24.04) or an alias (lts).
  fetch  Downloads the newest image of RELEASE (or --serial) into the download
         cache the qemu builder reads (PACKER_CACHE_DIR, else
         ~/.cache/kiln/downloads), verifies its sha256, and prints the
         iso_url and iso_checksum to put in a template: a build naming them
         finds the image in the cache.

Options:
  --stream S      stable (Canonical's released images, the default), candidate
                  (the daily builds, not yet released), a mirror URL, or a
                  local mirror folder (made by sstream-mirror).
  --arch A        Architecture (default amd64; "all" for every one).
  --ftype F       File type of the image (default ${DEFAULT_FTYPE}, the qcow2 disk).
  --all-versions  list: every serial, not only the newest.
  --serial S      fetch: this serial instead of the newest.
  --json          Print JSON.`;

const specs = {
  stream: { kind: 'string', default: 'stable' },
  arch: { kind: 'string', default: 'amd64' },
  ftype: { kind: 'string', default: DEFAULT_FTYPE },
  'all-versions': { kind: 'bool' },
  serial: { kind: 'string' },
  json: { kind: 'bool' },
} as const;

function table(images: CloudImage[]): string {
  const rows = images.map((i) => [
    i.release,
    i.releaseTitle,
    i.arch,
    i.serial,
    i.label,
    formatBytes(i.size),
    i.supported === false ? 'unsupported' : '',
  ]);
  const header = ['RELEASE', 'VERSION', 'ARCH', 'SERIAL', 'LABEL', 'SIZE', ''];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function fetchOne(
  images: CloudImage[],
  release: string,
  serial: string,
  json: boolean,
  io: CliIo,
): Promise<number> {
  const image = serial ? images.find((i) => i.serial === serial) : images[0];
  if (!image) {
    const serials = images.map((i) => i.serial).join(', ');
    io.stderr.write(`kiln images fetch: ${release} has no serial ${serial} (it has: ${serials})\n`);
    return 1;
  }
  const cacheDir = defaultCacheDir(io.env);
  const target = cachedImagePath(image, { cacheDir, cwd: io.cwd });
  io.stderr.write(`${image.release} ${image.serial} ${image.arch}: ${image.url}\n`);
  let lastShown = 0;
  const fetched = await fetchCloudImage(image, {
    cacheDir,
    cwd: io.cwd,
    signal: io.signal,
    onMessage: (text) => io.stderr.write(`${text}\n`),
    onProgress: ({ bytes }) => {
      const now = Date.now();
      if (now - lastShown < (io.stderr.isTTY ? 250 : 5000)) return;
      lastShown = now;
      const line = `Downloading: ${formatBytes(bytes)} of ${formatBytes(image.size)}`;
      io.stderr.write(io.stderr.isTTY ? `\r${line}\x1b[K` : `${line}\n`);
    },
  });
  if (io.stderr.isTTY && lastShown) io.stderr.write('\r\x1b[K');
  const keys = templateKeys(image);
  if (json) {
    io.stdout.write(
      `${JSON.stringify({ image, path: fetched.path, cached: fetched.cached, ...keys }, null, 2)}\n`,
    );
    return 0;
  }
  const how =
    fetched.path !== target
      ? 'In a local mirror, read in place by builds; sha256 verified'
      : fetched.cached
        ? 'Already in the cache; sha256 verified again'
        : 'Downloaded; sha256 verified';
  io.stderr.write(`${how}: ${fetched.path}\n`);
  io.stdout.write(`iso_url      = "${keys.iso_url}"\niso_checksum = "${keys.iso_checksum}"\n`);
  return 0;
}

export const imagesCommand: Command = {
  name: 'images',
  synopsis: 'Lists and fetches Ubuntu cloud images to build from',
  usage,
  async run(args, io) {
    const [sub, ...rest] = args;
    let parsed: ReturnType<typeof parseFlags<typeof specs>>;
    try {
      if (sub !== 'list' && sub !== 'fetch')
        throw new FlagError(sub ? `unknown subcommand: ${sub}` : 'a subcommand is needed: list or fetch');
      parsed = parseFlags(specs, rest);
      if (parsed.rest.length > 1)
        throw new FlagError(`unexpected argument: ${parsed.rest.slice(1).join(' ')}`);
      if (sub === 'fetch' && parsed.rest.length === 0)
        throw new FlagError('fetch needs a RELEASE (e.g. noble, 24.04, lts)');
      if (sub === 'list' && parsed.flags.serial) throw new FlagError('--serial is for fetch');
    } catch (err) {
      if (!(err instanceof FlagError)) throw err;
      io.stderr.write(`kiln images: ${err.message}\n\n${usage}\n`);
      return 1;
    }
    const { flags } = parsed;
    const release = parsed.rest[0];
    try {
      const list = await listCloudImages({
        stream: flags.stream,
        cwd: io.cwd,
        ftype: flags.ftype,
        allVersions: flags['all-versions'] || (sub === 'fetch' && !!flags.serial),
        signal: io.signal,
        ...(flags.arch !== 'all' ? { arch: flags.arch } : {}),
        ...(release ? { release } : {}),
      });
      if (list.images.length === 0) {
        const what = [release, flags.arch !== 'all' ? flags.arch : '', flags.ftype].filter(Boolean).join(' ');
        io.stderr.write(`kiln images: no ${what} image in ${list.stream}\n`);
        return 1;
      }
      if (sub === 'fetch') return await fetchOne(list.images, release, flags.serial, flags.json, io);
      io.stdout.write(flags.json ? `${JSON.stringify(list, null, 2)}\n` : `${table(list.images)}\n`);
      return 0;
    } catch (err) {
      if (io.signal.aborted) {
        io.stderr.write('kiln images: cancelled\n');
        return 1;
      }
      // StreamError (the mirror), ChecksumError (the image), or the file system: all said plainly.
      if (!(err instanceof Error)) throw err;
      io.stderr.write(`kiln images: ${err.message}\n`);
      return 1;
    }
  },
};
