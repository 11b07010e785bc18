/** The app's base-image service against a mirror folder and the same mirror over loopback HTTP. */
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import type { ApiEvent, BaseImageFetch } from '../../api/types';
import { startLoopbackHttp, type LoopbackHttp } from '../../engine/testing/http';
import { writeMirror, type Mirror } from '../../engine/testing/simplestreams-mirror';
import { BaseImageService } from './base-images';

let tmp: string;
let mirror: Mirror;
let http: LoopbackHttp;
let hold: Promise<void> | undefined;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'kiln-base-images-'));
  mirror = writeMirror(join(tmp, 'mirror'), 256 * 1024);
  http = await startLoopbackHttp((req, res) => {
    const file = join(mirror.root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!existsSync(file) || !statSync(file).isFile()) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(statSync(file).size) });
    if (hold && file.endsWith('.img')) {
      res.write(Buffer.alloc(1024)); // The rest waits for the test.
      void hold.then(() => res.destroy());
      return;
    }
    createReadStream(file).pipe(res);
  });
});
afterAll(async () => {
  await http.close();
  rmSync(tmp, { recursive: true, force: true });
});

function service(name: string) {
  const events: BaseImageFetch[] = [];
  const svc = new BaseImageService({
    cacheDir: join(tmp, name),
    emit: (e: ApiEvent) => {
      if (e.topic === 'images') events.push(e.fetch);
    },
  });
  const ended = (fetchId: string) =>
    new Promise<BaseImageFetch>((done) => {
      const poll = () => {
        const last = events.filter((e) => e.fetchId === fetchId).at(-1);
        if (last && last.state !== 'running') done(last);
        else setTimeout(poll, 10);
      };
      poll();
    });
  return { svc, events, ended };
}

describe('BaseImageService', () => {
  it('lists, fetches with progress into the cache, and then marks the image cached', async () => {
    const { svc, events, ended } = service('cache-a');
    const list = await svc.list({ stream: http.base, arch: 'amd64', release: 'noble' });
    expect(list.images.map((i) => [i.release, i.serial, i.cached])).toEqual([['noble', '20240423', false]]);
    const started = await svc.fetch({
      stream: http.base,
      product: list.images[0].product,
      serial: '20240423',
    });
    expect(started).toMatchObject({ state: 'running', release: 'noble', arch: 'amd64', total: 256 * 1024 });
    const done = await ended(started.fetchId);
    expect(done).toMatchObject({ state: 'done', bytes: 256 * 1024 });
    expect(readdirSync(join(tmp, 'cache-a'))).toEqual([done.path?.split('/').at(-1)]);
    expect(events[0].state).toBe('running');
    const again = await svc.list({ stream: http.base, arch: 'amd64', release: 'noble' });
    expect(again.images[0].cached).toBe(true);
  });

  it('lists every serial on request, and a local mirror’s images as already there', async () => {
    const { svc } = service('cache-b');
    const list = await svc.list({ stream: mirror.root, release: 'jammy', allVersions: true });
    expect(list.images.map((i) => `${i.arch} ${i.serial} ${i.cached}`)).toEqual([
      'amd64 20240301 true',
      'amd64 20240126 true',
      'arm64 20240301 true',
      'arm64 20240126 true',
    ]);
  });

  it('refuses what the stream does not have, and says which file is not a mirror', async () => {
    const { svc } = service('cache-c');
    await expect(svc.fetch({ stream: mirror.root, product: 'com.example:x', serial: '1' })).rejects.toEqual(
      new ApiError('not-found', `com.example:x 1 is not in ${mirror.root}`),
    );
    await expect(svc.list({ stream: join(tmp, 'none') })).rejects.toEqual(
      new ApiError(
        'io',
        `${join(tmp, 'none')}/streams/v1/index.json: no such file (is this a SimpleStreams mirror?)`,
      ),
    );
  });

  it('cancels a download: the state says so and the cache keeps no image and no lock', async () => {
    let release!: () => void;
    hold = new Promise<void>((r) => (release = r));
    try {
      const { svc, ended } = service('cache-d');
      const [image] = (await svc.list({ stream: http.base, arch: 'arm64' })).images;
      const started = await svc.fetch({ stream: http.base, product: image.product, serial: image.serial });
      svc.cancel(started.fetchId);
      expect(await ended(started.fetchId)).toMatchObject({ state: 'cancelled' });
      const left = existsSync(join(tmp, 'cache-d')) ? readdirSync(join(tmp, 'cache-d')) : [];
      expect(left.filter((f) => !f.endsWith('.part'))).toEqual([]);
      expect(() => svc.cancel('nope')).toThrow(new ApiError('not-found', 'no download nope'));
      await svc.dispose();
    } finally {
      release();
      hold = undefined;
    }
  });
});
