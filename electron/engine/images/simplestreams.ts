/**
 * Ubuntu cloud images from a SimpleStreams mirror (Canonical's, or a local copy made by
 * `sstream-mirror`): the stream's index, its image-downloads products, and each image's URL, size and
 * sha256, so a build can name one that is verified as it downloads.
 *
 * The format (products:1.0): products → versions (serials) → items, where a field set on an outer
 * level applies to every inner one unless the inner one sets it too, and an item's `path` is relative
 * to the mirror's root.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';

/** Canonical's two cloud-image streams: released images (tested) and the daily builds (not yet). */
export const KNOWN_STREAMS = {
  stable: 'https://cloud-images.ubuntu.com/releases/',
  candidate: 'https://cloud-images.ubuntu.com/daily/',
} as const;
const STREAM_ALIASES: Record<string, keyof typeof KNOWN_STREAMS> = {
  stable: 'stable',
  released: 'stable',
  release: 'stable',
  candidate: 'candidate',
  daily: 'candidate',
};

/** The file type of the qcow2 disk image a qemu build starts from. */
export const DEFAULT_FTYPE = 'disk1.img';

export interface CloudImage {
  /** The product's name in the stream, e.g. `com.ubuntu.cloud:server:24.04:amd64`. */
  product: string;
  os: string;
  /** Code name: `noble`. */
  release: string;
  /** `24.04 LTS`. */
  releaseTitle: string;
  /** `24.04`. */
  version: string;
  arch: string;
  /** The build's serial (the stream's version key), e.g. `20240423`. */
  serial: string;
  /** `release`, `beta`, `daily`… */
  label: string;
  ftype: string;
  url: string;
  sha256: string;
  size: number;
  /** Other names the stream gives the release (`lts`, `n`, `noble`, `24.04`…). */
  aliases: string[];
  supported?: boolean;
  supportEol?: string;
}

export interface CloudImageList {
  /** The mirror's root as resolved (URL or `file:` URL), ending with `/`. */
  stream: string;
  /** When the products file says it was last updated. */
  updated?: string;
  images: CloudImage[];
}

export interface ListOptions extends ImageFilter {
  /** `stable`/`candidate` (or `released`/`daily`), a mirror URL, or a local mirror folder. */
  stream: string;
  /** Resolves a relative local folder. */
  cwd: string;
  ftype?: string;
  signal?: AbortSignal;
}

export class StreamError extends Error {}

/** The mirror's root URL for a stream name, URL or folder. */
export function resolveStream(stream: string, cwd: string): URL {
  const known = STREAM_ALIASES[stream.toLowerCase()];
  let text: string;
  if (known) text = KNOWN_STREAMS[known];
  else if (/^(https?|file):\/\//i.test(stream)) text = stream;
  else text = pathToFileURL(isAbsolute(stream) ? stream : resolve(cwd, stream)).href;
  return new URL(text.endsWith('/') ? text : `${text}/`);
}

const indexSchema = z.object({
  format: z.literal('index:1.0'),
  index: z.record(
    z.string(),
    z.object({ path: z.string().min(1), datatype: z.string().optional(), format: z.string().optional() }),
  ),
});

// Fields may sit on any level (inheritance), so each level is a loose record of optional fields.
const fields = {
  os: z.string().optional(),
  release: z.string().optional(),
  release_title: z.string().optional(),
  version: z.string().optional(),
  arch: z.string().optional(),
  label: z.string().optional(),
  aliases: z.string().optional(),
  supported: z.boolean().optional(),
  support_eol: z.string().optional(),
  ftype: z.string().optional(),
};
const itemSchema = z.looseObject({
  ...fields,
  path: z.string().optional(),
  sha256: z.string().optional(),
  size: z.union([z.number(), z.string()]).optional(),
});
const versionSchema = z.looseObject({ ...fields, items: z.record(z.string(), itemSchema) });
const productSchema = z.looseObject({ ...fields, versions: z.record(z.string(), versionSchema) });
const productsSchema = z.looseObject({
  ...fields,
  format: z.literal('products:1.0'),
  content_id: z.string().optional(),
  updated: z.string().optional(),
  products: z.record(z.string(), productSchema),
});

async function readText(url: URL, signal?: AbortSignal): Promise<string> {
  if (url.protocol === 'file:') {
    const path = fileURLToPath(url);
    try {
      return await readFile(path, { encoding: 'utf8', signal });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new StreamError(
        code === 'ENOENT'
          ? `${path}: no such file (is this a SimpleStreams mirror?)`
          : `${path}: ${(err as Error).message}`,
      );
    }
  }
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    if (signal?.aborted) {
      const reason: unknown = signal.reason;
      if (reason instanceof Error && reason.name === 'TimeoutError')
        throw new StreamError(`${url.href}: no answer in time (${reason.message})`);
      throw err;
    }
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new StreamError(`${url.href}: ${cause}`);
  }
  if (!response.ok) throw new StreamError(`${url.href}: HTTP ${response.status} ${response.statusText}`);
  return response.text();
}

async function readJson<T>(url: URL, schema: z.ZodType<T>, what: string, signal?: AbortSignal): Promise<T> {
  const text = await readText(url, signal);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new StreamError(`${url.href}: the ${what} is not JSON: ${(err as Error).message}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue.path
      .map((key) => (typeof key === 'number' ? `[${key}]` : `[${JSON.stringify(key)}]`))
      .join('');
    throw new StreamError(
      `${url.href}: the ${what} is not SimpleStreams ${what === 'index' ? 'index:1.0' : 'products:1.0'}: ${at || '(top)'}: ${issue.message}`,
    );
  }
  return parsed.data;
}

/** Dotted version compare ("24.04" > "22.10" > "9.10"), then as text. */
function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (Number.isNaN(d)) break;
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}

type Fields = z.infer<typeof itemSchema>;

/** The value of a field for an item: its own, else its version's, product's or file's. */
function inherited<K extends keyof Fields>(levels: Fields[], key: K): Fields[K] {
  for (const level of levels) if (level[key] !== undefined) return level[key];
  return undefined;
}

/** Does the image answer to this name (code name, version, alias), case-insensitively? */
export function matchesRelease(image: CloudImage, name: string): boolean {
  const wanted = name.toLowerCase();
  return [image.release, image.version, ...image.aliases].some((n) => n.toLowerCase() === wanted);
}

/** Lists a stream's images, newest release first, newest serial first within it. */
export async function listCloudImages(options: ListOptions): Promise<CloudImageList> {
  const root = resolveStream(options.stream, options.cwd);
  const indexUrl = new URL('streams/v1/index.json', root);
  const index = await readJson(indexUrl, indexSchema, 'index', options.signal);
  const downloads = Object.entries(index.index).filter(
    ([, entry]) => (entry.datatype ?? 'image-downloads') === 'image-downloads',
  );
  if (downloads.length === 0)
    throw new StreamError(
      `${indexUrl.href}: the index lists no image-downloads products (only ${Object.keys(index.index).join(', ') || 'nothing'})`,
    );
  const ftype = options.ftype ?? DEFAULT_FTYPE;
  const images: CloudImage[] = [];
  let updated: string | undefined;
  for (const [, entry] of downloads) {
    const productsUrl = new URL(entry.path, root);
    const file = await readJson(productsUrl, productsSchema, 'products file', options.signal);
    updated ??= file.updated;
    for (const [product, p] of Object.entries(file.products)) {
      for (const serial of Object.keys(p.versions)) {
        const v = p.versions[serial];
        for (const [itemName, item] of Object.entries(v.items)) {
          const levels = [item, v, p, file] as Fields[];
          if ((inherited(levels, 'ftype') ?? itemName) !== ftype) continue;
          const where = `${productsUrl.href}: products[${JSON.stringify(product)}].versions[${JSON.stringify(serial)}].items[${JSON.stringify(itemName)}]`;
          if (!item.path) throw new StreamError(`${where}: no path`);
          if (!item.sha256 || !/^[0-9a-f]{64}$/i.test(item.sha256))
            throw new StreamError(`${where}: no sha256 (Kiln only offers images it can verify)`);
          const supported = inherited(levels, 'supported');
          const eol = inherited(levels, 'support_eol');
          images.push({
            product,
            os: inherited(levels, 'os') ?? 'ubuntu',
            release: inherited(levels, 'release') ?? '',
            releaseTitle: inherited(levels, 'release_title') ?? inherited(levels, 'version') ?? '',
            version: inherited(levels, 'version') ?? '',
            arch: inherited(levels, 'arch') ?? '',
            serial,
            label: inherited(levels, 'label') ?? '',
            ftype,
            url: new URL(item.path, root).href,
            sha256: item.sha256.toLowerCase(),
            size: Number(item.size ?? 0),
            aliases: (inherited(levels, 'aliases') ?? '')
              .split(',')
              .map((a) => a.trim())
              .filter(Boolean),
            ...(supported !== undefined ? { supported } : {}),
            ...(eol !== undefined ? { supportEol: eol } : {}),
          });
        }
      }
    }
  }
  return { stream: root.href, ...(updated ? { updated } : {}), images: selectImages(images, options) };
}

export interface ImageFilter {
  arch?: string;
  /** A code name, version or alias. */
  release?: string;
  /** Every serial, not only the newest of each product. */
  allVersions?: boolean;
}

/**
 * The images a filter keeps, newest release first and newest serial first within it; without
 * `allVersions`, only the newest serial of each product that has the file type.
 */
export function selectImages(images: readonly CloudImage[], filter: ImageFilter): CloudImage[] {
  const picked = images
    .filter(
      (i) =>
        (!filter.arch || i.arch === filter.arch) && (!filter.release || matchesRelease(i, filter.release)),
    )
    .sort(
      (a, b) =>
        compareVersions(b.version, a.version) ||
        a.arch.localeCompare(b.arch) ||
        b.serial.localeCompare(a.serial),
    );
  if (filter.allVersions) return picked;
  const seen = new Set<string>();
  return picked.filter((i) => !seen.has(i.product) && seen.add(i.product));
}

/** What a template names to build from this image (Packer's qemu keys). */
export function templateKeys(image: CloudImage): { iso_url: string; iso_checksum: string } {
  const url = image.url.startsWith('file:') ? fileURLToPath(image.url) : image.url;
  return { iso_url: url, iso_checksum: `sha256:${image.sha256}` };
}
