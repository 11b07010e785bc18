/**
 * The uploader against the fake region, fault by fault: each ends with the region holding exactly the
 * source's bytes, every byte committed once (`storedFileProblems`), or with MAAS's own message.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MaasClient } from './api';
import { MaasApiError, MaasUploadError } from './errors';
import { startFakeRegion, type FakeRegion, type FakeRegionOptions } from './fake-region/index';
import { storedFileProblems } from './fake-region/testing';
import {
  uploadBootResource,
  type UploadEvent,
  type UploadOptions,
  type UploadProgress,
  type UploadRequest,
} from './upload';

const MiB = 1024 * 1024;
let dir: string;
let source: string;
let data: Buffer;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-upload-test-'));
  data = randomBytes(5 * MiB + 4321);
  source = path.join(dir, 'image.tar.gz');
  fs.writeFileSync(source, data);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const FAST: UploadOptions = {
  chunkSize: MiB,
  timeouts: { settleMs: 150, pollIntervalMs: 30 },
  retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 50 },
};

interface Run {
  region: FakeRegion;
  client: MaasClient;
  events: UploadEvent[];
  progress: UploadProgress[];
}

async function withRegion(options: FakeRegionOptions, fn: (run: Run) => Promise<void>): Promise<void> {
  const region = await startFakeRegion(options);
  const client = new MaasClient({ url: region.url, apiKey: region.apiKey });
  try {
    await fn({ region, client, events: [], progress: [] });
  } finally {
    client.close();
    await region.close();
  }
}

function upload(run: Run, options: UploadOptions = {}, request: Partial<UploadRequest> = {}) {
  return uploadBootResource(
    run.client,
    { file: source, name: 'custom/test', architecture: 'amd64/generic', title: 'Test', ...request },
    {
      ...FAST,
      ...options,
      timeouts: { ...FAST.timeouts, ...options.timeouts },
      retry: { ...FAST.retry, ...options.retry },
      onEvent: (e) => {
        run.events.push(e);
        options.onEvent?.(e);
      },
      onProgress: (p) => {
        run.progress.push(p);
        options.onProgress?.(p);
      },
    },
  );
}

async function expectStoredExactly(run: Run, fileId?: number) {
  const id = fileId ?? (run.region.files().at(-1)?.id as number);
  expect(await storedFileProblems(run.region, id, data)).toEqual([]);
}

const kinds = (run: Run) => run.events.map((e) => e.kind);

describe('uploading', () => {
  it('streams the file in chunks over one kept-alive connection and ends with the region reporting it complete', async () => {
    await withRegion({}, async (run) => {
      const result = await upload(run);
      expect(result).toMatchObject({
        complete: true,
        skipped: false,
        size: data.length,
        sha256: createHash('sha256').update(data).digest('hex'),
        chunks: 6,
        retries: 0,
        resumedFrom: 0,
        filename: 'root.tgz',
      });
      expect(result.resource.sets[result.setVersion].complete).toBe(true);
      await expectStoredExactly(run);
      const puts = run.region.requests.filter((r) => r.method === 'PUT');
      expect(puts.map((p) => p.contentLength)).toEqual([MiB, MiB, MiB, MiB, MiB, 4321]);
      expect(new Set(puts.map((p) => p.remotePort)).size).toBe(1);
      expect(new Set(puts.map((p) => /oauth_nonce="([^"]+)"/.exec(p.authorization ?? '')?.[1])).size).toBe(6);
      expect(kinds(run)).toEqual(['created']);
    });
  });

  it('reports progress: hashing then uploading, bytes never going back, a rate and an ETA, then complete', async () => {
    await withRegion({}, async (run) => {
      await upload(run, { chunkSize: 256 * 1024 });
      const phases = [...new Set(run.progress.map((p) => p.phase))];
      expect(phases).toEqual(['hashing', 'creating', 'uploading', 'verifying', 'complete']);
      const uploading = run.progress.filter((p) => p.phase === 'uploading');
      for (let i = 1; i < uploading.length; i++)
        expect(uploading[i].bytes).toBeGreaterThanOrEqual(uploading[i - 1].bytes);
      expect(uploading.at(-1)?.bytes).toBe(data.length);
      expect(uploading.every((p) => p.total === data.length && p.rate >= 0)).toBe(true);
      expect(uploading.some((p) => p.rate > 0 && p.etaSeconds !== undefined)).toBe(true);
      expect(run.progress.at(-1)).toMatchObject({ phase: 'complete', bytes: data.length });
    });
  });

  it('skips the hashing pass when given the sha256, and checks its form', async () => {
    await withRegion({}, async (run) => {
      const sha256 = createHash('sha256').update(data).digest('hex').toUpperCase();
      await upload(run, {}, { sha256 });
      expect(run.progress.some((p) => p.phase === 'hashing')).toBe(false);
      await expectStoredExactly(run);
      await expect(upload(run, {}, { sha256: 'xyz' })).rejects.toThrow(
        '"xyz" is not a sha256 (64 hexadecimal digits)',
      );
    });
  });
});

describe('faults', () => {
  it('a reset before the chunk commits: the region still holds the old offset, the chunk is sent again', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'reset-before-commit', match: { nth: 3 } });
      run.region.faults.inject({ kind: 'reset-before-commit', match: { nth: 5 }, midBody: true });
      const result = await upload(run);
      expect(result.resyncs).toBe(2);
      const resyncs = run.events.filter((e) => e.kind === 'resync');
      expect(resyncs.every((e) => e.kind === 'resync' && e.regionOffset === e.offset)).toBe(true);
      await expectStoredExactly(run);
    });
  });

  it('a reset after the chunk commits: the uploader sees it applied and goes on, never sending it twice', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'reset-after-commit', match: { nth: 2 } });
      const result = await upload(run);
      const resync = run.events.find((e) => e.kind === 'resync');
      expect(resync).toMatchObject({ offset: MiB, regionOffset: 2 * MiB });
      expect(result.bytesSent).toBe(data.length);
      await expectStoredExactly(run);
      const fileId = run.region.files().at(-1)?.id as number;
      expect(run.region.writesTo(fileId)).toHaveLength(6);
    });
  });

  it('a reset after the last chunk commits: done, the region reports the file complete', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'reset-after-commit', match: { final: true } });
      const result = await upload(run);
      expect(result.complete).toBe(true);
      expect(result.bytesSent).toBe(data.length);
      await expectStoredExactly(run);
    });
  });

  it('a reset before the last chunk commits', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'reset-before-commit', match: { final: true } });
      expect((await upload(run)).complete).toBe(true);
      await expectStoredExactly(run);
    });
  });

  it('409 with Retry-After: waits as told, sends the same chunk again', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'conflict', retryAfterSeconds: 1, match: { nth: 2 } });
      const started = performance.now();
      await upload(run, { retry: { maxRetryAfterMs: 5_000 } });
      expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
      expect(run.events.find((e) => e.kind === 'retry')).toMatchObject({ delayMs: 1000, offset: MiB });
      expect(run.region.requests.filter((r) => r.status === 409)).toHaveLength(1);
      await expectStoredExactly(run);
    });
  });

  it('409 on the last chunk, 503 from a proxy, 502: each recovered', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'conflict', match: { final: true } });
      run.region.faults.inject({
        kind: 'status',
        status: 503,
        headers: { 'Retry-After': '0' },
        match: { method: 'PUT', nth: 2 },
      });
      run.region.faults.inject({ kind: 'status', status: 502, match: { method: 'PUT', nth: 4 } });
      expect((await upload(run)).complete).toBe(true);
      await expectStoredExactly(run);
    });
  });

  it('a slow last chunk past the timeout: polls the resource until the region has finished hashing', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'slow', delayMs: 1_200, match: { final: true } });
      const result = await upload(run, { timeouts: { finalChunkMs: 200, finalSettleMs: 5_000 } });
      expect(result.complete).toBe(true);
      expect(kinds(run)).toContain('waiting');
      expect(run.region.requests.filter((r) => r.method === 'PUT')).toHaveLength(6);
      await expectStoredExactly(run);
    });
  });

  it('a slow last chunk outlasting the wait too: the resend finds the file complete, nothing written twice', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'slow', delayMs: 1_000, match: { final: true } });
      const result = await upload(run, { timeouts: { finalChunkMs: 150, finalSettleMs: 200 } });
      expect(result.complete).toBe(true);
      const last = run.region.requests.filter((r) => r.method === 'PUT').at(-1);
      expect(last?.status).toBe(400);
      await expectStoredExactly(run);
    });
  });

  it('504 from nginx while the region goes on and commits', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({
        kind: 'gateway-timeout',
        delayMs: 150,
        commitDelayMs: 700,
        match: { final: true },
      });
      const result = await upload(run, { timeouts: { finalSettleMs: 5_000 } });
      expect(result.complete).toBe(true);
      expect(run.region.requests.filter((r) => r.status === 504)).toHaveLength(1);
      await expectStoredExactly(run);
    });
  });

  it('a timed-out middle chunk: resent only once the region shows it did not take it', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'slow', delayMs: 600, match: { nth: 3 } });
      const result = await upload(run, { timeouts: { requestMs: 150, settleMs: 2_000 } });
      expect(result.complete).toBe(true);
      expect(run.events.find((e) => e.kind === 'resync')).toMatchObject({
        offset: 2 * MiB,
        regionOffset: 3 * MiB,
      });
      await expectStoredExactly(run);
    });
  });

  it('413 from the proxy: halves the chunks until they pass', async () => {
    await withRegion({ bodyLimitBytes: MiB }, async (run) => {
      const result = await upload(run, { chunkSize: 4 * MiB });
      expect(
        run.events.filter((e) => e.kind === 'chunk-size').map((e) => e.kind === 'chunk-size' && e.chunkSize),
      ).toEqual([2 * MiB, MiB]);
      expect(result.complete).toBe(true);
      await expectStoredExactly(run);
    });
  });

  it('"Expired timestamp" once: signed afresh and sent again; twice in a row: MAAS\'s message', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'expire-timestamp', match: { method: 'PUT', nth: 2 } });
      expect((await upload(run)).complete).toBe(true);
      await expectStoredExactly(run);
    });
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'expire-timestamp', match: { method: 'PUT' }, times: 2 });
      await expect(upload(run)).rejects.toMatchObject({
        status: 401,
        maasMessage: expect.stringContaining('Expired timestamp'),
      });
    });
  });

  it('a corrupted chunk: MAAS\'s "Saved content does not match given SHA256 value." ends it', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'corrupt', match: { nth: 2 } });
      const err = await upload(run).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MaasApiError);
      expect(err).toMatchObject({
        status: 400,
        maasMessage: 'Saved content does not match given SHA256 value.',
      });
    });
  });

  it("a file changed during the upload: MAAS's message, and the reason", async () => {
    await withRegion({}, async (run) => {
      const copy = path.join(dir, 'changing.tar.gz');
      fs.writeFileSync(copy, data);
      let touched = false;
      const err = await uploadBootResource(
        run.client,
        { file: copy, name: 'custom/changing', architecture: 'amd64/generic' },
        {
          ...FAST,
          onProgress: (p) => {
            if (p.phase === 'uploading' && p.bytes >= 2 * MiB && !touched) {
              touched = true;
              const fd = fs.openSync(copy, 'r+');
              fs.writeSync(fd, Buffer.from('changed'), 0, 7, 4 * MiB);
              fs.closeSync(fd);
              fs.utimesSync(copy, new Date(), new Date(Date.now() + 5000));
            }
          },
        },
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MaasUploadError);
      expect((err as Error).message).toMatch(
        /Saved content does not match given SHA256 value\. \(the file changed while it was being uploaded\)$/,
      );
    });
  });

  it("a wrong key, a non-admin key, a bad architecture, a reserved name: MAAS's own words", async () => {
    await withRegion({}, async (run) => {
      const wrong = new MaasClient({ url: run.region.url, apiKey: 'aaa:bbb:ccc' });
      await expect(
        uploadBootResource(wrong, { file: source, name: 'custom/x', architecture: 'amd64/generic' }, FAST),
      ).rejects.toMatchObject({ status: 401, maasMessage: 'Authorization Error: Invalid API key.' });
      wrong.close();
      const user = new MaasClient({ url: run.region.url, apiKey: run.region.userApiKey });
      await expect(
        uploadBootResource(user, { file: source, name: 'custom/x', architecture: 'amd64/generic' }, FAST),
      ).rejects.toMatchObject({ status: 403, maasMessage: 'This method is reserved for admin users.' });
      user.close();
      await expect(upload(run, {}, { architecture: 'arm64/generic' })).rejects.toMatchObject({
        status: 400,
        fieldErrors: {
          architecture: [
            "'arm64/generic' is not a valid architecture.  It should be one of: 'amd64/generic'.",
          ],
        },
      });
      await expect(upload(run, {}, { name: 'noble' })).rejects.toMatchObject({
        fieldErrors: { name: ['noble is a reserved name'] },
      });
    });
  });

  it('gives up after too many failures in a row, saying why', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({
        kind: 'status',
        status: 503,
        body: 'busy',
        match: { method: 'PUT' },
        times: 100,
      });
      await expect(upload(run, { retry: { maxAttempts: 3 } })).rejects.toThrow(
        'gave up after 3 failed attempts: 503 busy',
      );
    });
  });

  it('refuses what cannot work before sending anything', async () => {
    await withRegion({}, async (run) => {
      await expect(upload(run, { chunkSize: 10 * MiB })).rejects.toThrow(
        /chunk size 10485760 is out of range/,
      );
      await expect(upload(run, {}, { file: path.join(dir, 'missing') })).rejects.toThrow(
        /cannot read .*missing: no such file/,
      );
      const empty = path.join(dir, 'empty');
      fs.writeFileSync(empty, '');
      await expect(upload(run, {}, { file: empty })).rejects.toThrow(/is empty$/);
      expect(run.region.requests).toHaveLength(0);
    });
  });
});

describe('resuming', () => {
  it('an interrupted upload continues where the region stopped, in a later run', async () => {
    await withRegion({}, async (run) => {
      const controller = new AbortController();
      const first = upload(run, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'uploading' && p.bytes >= 3 * MiB)
            controller.abort(new Error('stopped by the test'));
        },
      });
      await expect(first).rejects.toThrow('stopped by the test');
      const held = run.region.files().at(-1);
      expect(held?.bytes).toBe(3 * MiB);
      const result = await upload(run);
      expect(kinds(run)).toContain('resumed');
      expect(result).toMatchObject({ resumedFrom: 3 * MiB, complete: true });
      expect(run.region.files().at(-1)?.id).toBe(held?.id);
      await expectStoredExactly(run);
    });
  });

  it('a request of the interrupted run still at work on the region: the next run waits for it, never duplicating it', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'slow', delayMs: 700, match: { nth: 3 } });
      const controller = new AbortController();
      const onProgress = (p: UploadProgress) => {
        // Stop while the third chunk is at work on the region.
        if (p.phase === 'uploading' && p.bytes === 2 * MiB)
          setTimeout(() => controller.abort(new Error('stop')), 100);
      };
      await expect(upload(run, { signal: controller.signal, onProgress })).rejects.toThrow('stop');
      expect(run.region.files().at(-1)?.bytes).toBe(2 * MiB);
      const result = await upload(run, { timeouts: { settleMs: 1_000 } });
      expect(result.resumedFrom).toBe(3 * MiB);
      await expectStoredExactly(run);
    });
  });

  it('an upload already complete on the region is not sent again', async () => {
    await withRegion({}, async (run) => {
      await upload(run);
      const puts = run.region.requests.filter((r) => r.method === 'PUT').length;
      const again = await upload(run);
      expect(again).toMatchObject({ skipped: true, complete: true });
      expect(run.region.requests.filter((r) => r.method === 'PUT').length).toBe(puts);
      const fresh = await upload(run, { resume: false });
      expect(fresh.skipped).toBe(false);
      expect(fresh.setVersion).toMatch(/\.1$/);
    });
  });

  it('with several regions: progress is spread over them, and the uploader reads it right', async () => {
    await withRegion({ regions: 3, syncDelayMs: 400 }, async (run) => {
      run.region.faults.inject({ kind: 'reset-after-commit', match: { nth: 3 } });
      const result = await upload(run, { waitForSync: false });
      expect(run.events.find((e) => e.kind === 'resync')).toMatchObject({
        offset: 2 * MiB,
        regionOffset: 3 * MiB,
      });
      expect(result.complete).toBe(false);
      await new Promise((r) => setTimeout(r, 500));
      await expectStoredExactly(run);
    });
    await withRegion({ regions: 2, syncDelayMs: 300 }, async (run) => {
      const result = await upload(run, { waitForSync: true });
      expect(result.complete).toBe(true);
      expect(run.progress.some((p) => p.phase === 'syncing')).toBe(true);
    });
  });

  it('with several regions, an unfinished upload from an earlier run is not continued (each region has its own copy)', async () => {
    await withRegion({ regions: 2 }, async (run) => {
      const controller = new AbortController();
      await expect(
        upload(run, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase === 'uploading' && p.bytes >= 2 * MiB) controller.abort(new Error('stop'));
          },
        }),
      ).rejects.toThrow('stop');
      const result = await upload(run);
      expect(run.events.find((e) => e.kind === 'fresh-start')).toMatchObject({
        reason: '2 region controllers each keep their own partial copy',
      });
      expect(result.resumedFrom).toBe(0);
      await new Promise((r) => setTimeout(r, 50));
      await expectStoredExactly(run);
    });
  });

  it('MAAS 3.4: a new create shares the partial large object, and the upload continues from it', async () => {
    await withRegion({ version: '3.4' }, async (run) => {
      const controller = new AbortController();
      await expect(
        upload(run, {
          signal: controller.signal,
          onProgress: (p) => {
            if (p.phase === 'uploading' && p.bytes >= 2 * MiB) controller.abort(new Error('stop'));
          },
        }),
      ).rejects.toThrow('stop');
      const result = await upload(run, { resume: false });
      expect(result).toMatchObject({ resumedFrom: 2 * MiB, complete: true, filename: 'root-tgz' });
      const fileId = run.region.files().at(-1)?.id as number;
      expect((await run.region.readFile(fileId)).equals(data)).toBe(true);
      const committed = run.region.writes.filter((w) => w.committed).map((w) => [w.offset, w.length]);
      expect(committed).toEqual([0, 1, 2, 3, 4, 5].map((i) => [i * MiB, i === 5 ? 4321 : MiB]));
    });
  });

  it('MAAS master: bytes left on disk by a rolled-back chunk make the region refuse; the uploader starts over', async () => {
    await withRegion({ version: 'master' }, async (run) => {
      run.region.faults.inject({ kind: 'conflict', match: { nth: 2 } });
      const result = await upload(run);
      expect(result.restarts).toBe(1);
      expect(kinds(run)).toContain('restart');
      expect(result.complete).toBe(true);
      await expectStoredExactly(run);
    });
  });
});

describe('cancelling', () => {
  it('stops at once on abort, mid-chunk included, and the region is left consistent', async () => {
    await withRegion({}, async (run) => {
      run.region.faults.inject({ kind: 'slow', delayMs: 2_000, match: { nth: 2 } });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('cancelled')), 300);
      const started = performance.now();
      await expect(upload(run, { signal: controller.signal })).rejects.toThrow('cancelled');
      expect(performance.now() - started).toBeLessThan(1_500);
    });
  });
});
