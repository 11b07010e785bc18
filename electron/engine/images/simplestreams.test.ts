/**
 * Listing and fetching cloud images from a SimpleStreams mirror: a local folder, and the same folder
 * served over real HTTP on loopback; fetched images land where the qemu builder's download step finds
 * them.
 */
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackHttp, type LoopbackHttp } from '../testing/http';
import { writeMirror, type Mirror } from '../testing/simplestreams-mirror';
import { ChecksumError, download } from '../vm/download';
import { cachedImagePath, fetchCloudImage } from './fetch';
import { listCloudImages, resolveStream, StreamError, templateKeys } from './simplestreams';

let tmp: string;
let mirror: Mirror;
let http: LoopbackHttp;
let requests: string[] = [];
/** Paths the server answers with a slow, endless body (for cancellation). */
const stalled = new Set<string>();

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kiln-streams-'));
  mirror = writeMirror(join(tmp, 'mirror'));
  http = await startLoopbackHttp((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/mirror\//, '');
    requests.push(path);
    if (stalled.has(path)) {
      res.writeHead(200, { 'content-length': String(1 << 30) });
      res.write(Buffer.alloc(64 * 1024));
      return; // Never ends: the client has to cancel.
    }
    const file = join(mirror.root, path);
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, 'Not Found').end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': String(statSync(file).size) });
    createReadStream(file).pipe(res);
  });
});
afterAll(async () => {
  await http.close();
  rmSync(tmp, { recursive: true, force: true });
});

const httpStream = () => `${http.base}/mirror`;

describe('resolveStream', () => {
  it('maps the stream names to Canonical’s mirrors, and a folder to a file URL', () => {
    expect(resolveStream('stable', '/x').href).toBe('https://cloud-images.ubuntu.com/releases/');
    expect(resolveStream('released', '/x').href).toBe('https://cloud-images.ubuntu.com/releases/');
    expect(resolveStream('candidate', '/x').href).toBe('https://cloud-images.ubuntu.com/daily/');
    expect(resolveStream('Daily', '/x').href).toBe('https://cloud-images.ubuntu.com/daily/');
    expect(resolveStream('mirror', '/work/here').href).toBe('file:///work/here/mirror/');
    expect(resolveStream('http://m.example/ubuntu', '/x').href).toBe('http://m.example/ubuntu/');
  });
});

describe('listCloudImages', () => {
  it('lists the newest disk image of each product, newest release first, from a local mirror', async () => {
    const list = await listCloudImages({ stream: 'mirror', cwd: tmp });
    expect(list.stream).toBe(pathToFileURL(mirror.root).href + '/');
    expect(list.updated).toBe('Mon, 22 Apr 2024 10:00:00 +0000');
    expect(list.images.map((i) => `${i.release} ${i.arch} ${i.serial}`)).toEqual([
      'noble amd64 20240423',
      'jammy amd64 20240301',
      'jammy arm64 20240301',
      'focal amd64 20230117',
    ]);
    const noble = list.images[0];
    const path = 'server/releases/noble/release-20240423/ubuntu-24.04-server-cloudimg-amd64.img';
    expect(noble).toEqual({
      product: 'com.ubuntu.cloud:server:24.04:amd64',
      os: 'ubuntu',
      release: 'noble',
      releaseTitle: '24.04 LTS',
      version: '24.04',
      arch: 'amd64',
      serial: '20240423',
      label: 'release', // inherited from the version
      ftype: 'disk1.img',
      url: pathToFileURL(join(mirror.root, path)).href,
      sha256: mirror.images.get(path)?.sha256,
      size: 64 * 1024,
      aliases: ['24.04', 'default', 'lts', 'n', 'noble'],
      supported: true,
      supportEol: '2029-05-31',
    });
    expect(list.images[3].supported).toBe(false);
  });

  it('narrows by architecture, by release name, version or alias, and lists every serial on request', async () => {
    const names = async (o: { arch?: string; release?: string; allVersions?: boolean }) =>
      (await listCloudImages({ stream: 'mirror', cwd: tmp, ...o })).images.map(
        (i) => `${i.release}/${i.arch}/${i.serial}`,
      );
    expect(await names({ arch: 'arm64' })).toEqual(['jammy/arm64/20240301']);
    expect(await names({ release: 'LTS' })).toEqual(['noble/amd64/20240423']);
    expect(await names({ release: '22.04', arch: 'amd64' })).toEqual(['jammy/amd64/20240301']);
    expect(await names({ release: 'jammy', arch: 'amd64', allVersions: true })).toEqual([
      'jammy/amd64/20240301',
      'jammy/amd64/20240126',
    ]);
    expect(await names({ release: 'oracular' })).toEqual([]);
  });

  it('lists other file types on request', async () => {
    const list = await listCloudImages({ stream: 'mirror', cwd: tmp, ftype: 'manifest', release: 'noble' });
    expect(list.images.map((i) => i.url.replace(/.*\//, ''))).toEqual([
      'ubuntu-24.04-server-cloudimg-amd64.manifest',
    ]);
  });

  it('reads the same stream over HTTP, with image URLs on the server', async () => {
    const list = await listCloudImages({ stream: httpStream(), cwd: tmp, release: 'noble' });
    expect(list.images[0].url).toBe(
      `${http.base}/mirror/server/releases/noble/release-20240423/ubuntu-24.04-server-cloudimg-amd64.img`,
    );
  });

  it('names the file and the place when the mirror is not a SimpleStreams mirror', async () => {
    await expect(listCloudImages({ stream: join(tmp, 'nowhere'), cwd: tmp })).rejects.toThrow(
      new StreamError(
        `${join(tmp, 'nowhere')}/streams/v1/index.json: no such file (is this a SimpleStreams mirror?)`,
      ),
    );
    await expect(listCloudImages({ stream: `${http.base}/nothing`, cwd: tmp })).rejects.toThrow(
      `${http.base}/nothing/streams/v1/index.json: HTTP 404 Not Found`,
    );

    const broken = join(tmp, 'broken');
    writeMirror(broken, 16);
    const productsFile = join(broken, 'streams/v1/com.ubuntu.cloud:released:download.json');
    const products = JSON.parse(readFileSync(productsFile, 'utf8')) as {
      products: Record<string, { versions: Record<string, { items: Record<string, { sha256?: string }> }> }>;
    };
    delete products.products['com.ubuntu.cloud:server:24.04:amd64'].versions['20240423'].items['disk1.img']
      .sha256;
    writeFileSync(productsFile, JSON.stringify(products));
    await expect(listCloudImages({ stream: broken, cwd: tmp })).rejects.toThrow(
      `${pathToFileURL(productsFile).href}: products["com.ubuntu.cloud:server:24.04:amd64"].versions["20240423"].items["disk1.img"]: no sha256 (Kiln only offers images it can verify)`,
    );

    writeFileSync(
      productsFile,
      JSON.stringify({ format: 'products:1.0', products: { p: { versions: { v: {} } } } }),
    );
    await expect(listCloudImages({ stream: broken, cwd: tmp })).rejects.toThrow(
      /the products file is not SimpleStreams products:1\.0: \["products"\]\["p"\]\["versions"\]\["v"\]\["items"\]: /,
    );
    writeFileSync(productsFile, '{"format": "products:1.0",');
    await expect(listCloudImages({ stream: broken, cwd: tmp })).rejects.toThrow(
      /the products file is not JSON: /,
    );
    writeFileSync(join(broken, 'streams/v1/index.json'), JSON.stringify({ format: 'index:1.0', index: {} }));
    await expect(listCloudImages({ stream: broken, cwd: tmp })).rejects.toThrow(
      /index\.json: the index lists no image-downloads products \(only nothing\)/,
    );
  });
});

describe('fetchCloudImage', () => {
  it('downloads into the build cache, verified, where the qemu download step then finds it without a request', async () => {
    const cacheDir = join(tmp, 'cache-a');
    const [image] = (await listCloudImages({ stream: httpStream(), cwd: tmp, release: 'noble' })).images;
    requests = [];
    const progress: number[] = [];
    const fetched = await fetchCloudImage(image, {
      cacheDir,
      cwd: tmp,
      onProgress: (p) => progress.push(p.bytes),
    });
    expect(fetched).toEqual({ path: cachedImagePath(image, { cacheDir, cwd: tmp }), cached: false });
    expect(requests).toEqual([new URL(image.url).pathname.replace(/^\/mirror\//, '')]);
    expect(progress.at(-1)).toBe(image.size);
    const path = new URL(image.url).pathname.replace(/^\/mirror\//, '');
    expect(readFileSync(fetched.path)).toEqual(readFileSync(join(mirror.root, path)));

    // What the qemu builder's StepDownload does with the keys `kiln images fetch` prints.
    requests = [];
    const keys = templateKeys(image);
    const build = await download({
      source: keys.iso_url,
      checksum: keys.iso_checksum,
      cwd: tmp,
      cacheDir,
      extension: 'iso',
    });
    expect(build).toMatchObject({ path: fetched.path, cached: true });
    expect(requests).toEqual([]);

    requests = [];
    expect(await fetchCloudImage(image, { cacheDir, cwd: tmp })).toEqual({
      path: fetched.path,
      cached: true,
    });
    expect(requests).toEqual([]);
  });

  it('keeps nothing when the image does not match its sha256', async () => {
    const cacheDir = join(tmp, 'cache-b');
    const [image] = (
      await listCloudImages({ stream: httpStream(), cwd: tmp, release: 'jammy', arch: 'arm64' })
    ).images;
    const error = await fetchCloudImage({ ...image, sha256: '0'.repeat(64) }, { cacheDir, cwd: tmp }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ChecksumError);
    expect((error as Error).message).toMatch(/^Checksums did not match/);
    const target = cachedImagePath({ ...image, sha256: '0'.repeat(64) }, { cacheDir, cwd: tmp });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.part`)).toBe(false);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });

  it('verifies an image of a local mirror in place', async () => {
    const [image] = (await listCloudImages({ stream: 'mirror', cwd: tmp, release: 'focal' })).images;
    const cacheDir = join(tmp, 'cache-c');
    const fetched = await fetchCloudImage(image, { cacheDir, cwd: tmp });
    expect(fetched.path).toBe(templateKeys(image).iso_url);
    expect(existsSync(cacheDir)).toBe(false);
    await expect(
      fetchCloudImage({ ...image, sha256: 'f'.repeat(64) }, { cacheDir, cwd: tmp }),
    ).rejects.toThrow(ChecksumError);
  });

  it('stops when cancelled, leaving no finished file and no lock', async () => {
    const cacheDir = join(tmp, 'cache-d');
    const [image] = (
      await listCloudImages({ stream: httpStream(), cwd: tmp, release: 'jammy', arch: 'amd64' })
    ).images;
    stalled.add(new URL(image.url).pathname.replace(/^\/mirror\//, ''));
    const abort = new AbortController();
    const fetching = fetchCloudImage(image, {
      cacheDir,
      cwd: tmp,
      signal: abort.signal,
      onProgress: () => abort.abort(),
    });
    await expect(fetching).rejects.toThrow(/abort/i);
    const target = cachedImagePath(image, { cacheDir, cwd: tmp });
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.lock`)).toBe(false);
  });
});
