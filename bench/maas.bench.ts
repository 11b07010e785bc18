/**
 * MAAS upload benchmark: `kiln maas upload` of a 2 GiB file (real bytes on disk) to the fake region over
 * loopback, measured as a separate process: wall time, throughput, peak memory (maxRSS). References
 * measured in the same run: `sha256sum` of the file (the least the hashing pass can cost) and `curl -T`
 * streaming the file in one request to a discarding server (the loopback ceiling for one connection).
 *
 *   npx tsx bench/maas.bench.ts [--size-mib N] [--chunk-mib N] [--runs N] [--json]
 *
 * With `--runs N` the upload is repeated N times over the same file (a fresh region each time) and the
 * median run (by upload-phase throughput) is reported, with every run's figures.
 *
 * Goals (docs/maas-upload.md): ≥ 300 MB/s, < 200 MB peak RSS for the uploading process.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
// @ts-expect-error: a plain .mjs build script, without type declarations
import { nodeBundleOptions } from '../scripts/build.mjs';
import { startFakeRegion } from '../electron/engine/maas/fake-region/index';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values } = parseArgs({
  options: {
    'size-mib': { type: 'string', default: '2048' },
    'chunk-mib': { type: 'string', default: '8' },
    runs: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const sizeMiB = Number(values['size-mib']);
const chunkMiB = Number(values['chunk-mib']);
const runs = Math.max(1, Number(values.runs));
const MB = 1e6;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-maas-'));
const cleanups: Array<() => Promise<void> | void> = [() => fs.rmSync(tmp, { recursive: true, force: true })];
const cleanup = async () => {
  for (const fn of cleanups.reverse()) await fn();
};
process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));

function generate(file: string, mib: number): number {
  const started = performance.now();
  const block = randomBytes(8 * 1024 * 1024);
  const fd = fs.openSync(file, 'w');
  for (let written = 0; written < mib; written += 8) {
    block.writeUInt32LE(written, 0);
    fs.writeSync(fd, block, 0, Math.min(8, mib - written) * 1024 * 1024);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  return performance.now() - started;
}

async function bundleCli(): Promise<string> {
  const bundle = path.join(tmp, 'cli.cjs');
  await build({ ...nodeBundleOptions(path.join(root, 'electron/cli/main.ts'), bundle), logLevel: 'error' });
  const runner = path.join(tmp, 'kiln.cjs');
  // bin/kiln.mjs runs the same bundle; this also writes the process's peak RSS (KiB) on exit.
  fs.writeFileSync(
    runner,
    `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(path.join(tmp, 'usage.json'))}, JSON.stringify(process.resourceUsage())));
require(${JSON.stringify(bundle)}).main(process.argv.slice(2)).then((c) => { process.exitCode = c; }, (e) => { console.error(e); process.exitCode = 1; });
`,
  );
  return runner;
}

function run_(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGTERM');
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - started }),
    );
  });
}

/** A server that reads and drops request bodies: what one HTTP stream can carry on this machine now. */
async function sink(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('OK'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/sink`, close: () => new Promise((r) => server.close(() => r())) };
}

async function main() {
  const file = path.join(tmp, `image-${sizeMiB}MiB.dd.gz`);
  const generateMs = generate(file, sizeMiB);
  const size = fs.statSync(file).size;
  const runner = await bundleCli();

  // Reference 1: sha256sum over the same file.
  const sha = spawnSync('sha256sum', [file], { encoding: 'utf8' });
  const shaStarted = performance.now();
  spawnSync('sha256sum', [file]);
  const shaMs = performance.now() - shaStarted;
  const expectedSha = sha.stdout.split(' ')[0];

  // Reference 2: curl streaming the file in one PUT to a discarding server.
  const drop = await sink();
  cleanups.push(drop.close);
  const curl = await run_('curl', ['-s', '-o', '/dev/null', '-T', file, drop.url]).catch(() => undefined);
  const curlMs = curl?.code === 0 ? curl.ms : NaN;

  // Kiln: the real CLI, as a process of its own, against the fake region (in this process).
  const uploadOnce = async (run: number) => {
    const region = await startFakeRegion({ storageDir: path.join(tmp, `region-${run}`), hashWrites: false });
    cleanups.push(() => region.close());
    const loadBefore = os.loadavg()[0];
    const regionCpuBefore = process.cpuUsage();
    const kiln = await run_(
      process.execPath,
      [
        runner,
        'maas',
        'upload',
        // The file is random bytes, no image: the figure is the transfer's (the check is timed apart).
        '--skip-readiness-check',
        '--json',
        '--chunk-size',
        `${chunkMiB}MiB`,
        '--name',
        'custom/bench',
        '--architecture',
        'amd64/generic',
        file,
      ],
      {
        KILN_MAAS_URL: region.url,
        KILN_MAAS_API_KEY: region.apiKey,
        XDG_CONFIG_HOME: path.join(tmp, 'config'),
      },
    );
    const regionCpu = process.cpuUsage(regionCpuBefore);
    if (kiln.code !== 0) throw new Error(`kiln maas upload failed (${kiln.code}):\n${kiln.stderr}`);
    const result = JSON.parse(kiln.stdout) as {
      transferMs: number;
      elapsedMs: number;
      sha256: string;
      complete: boolean;
    };
    const usage = JSON.parse(fs.readFileSync(path.join(tmp, 'usage.json'), 'utf8')) as NodeJS.ResourceUsage;
    const stored = region.files().at(-1);
    // The region's own work on the last chunk: its write, the rest of its sha256, the check, as MAAS does.
    const lastPut = region.requests.filter((r) => r.method === 'PUT' && r.status === 200).at(-1);
    const regionVerifyMs =
      lastPut?.bodyAt !== undefined && lastPut.endedAt !== undefined ? lastPut.endedAt - lastPut.bodyAt : 0;
    if (
      !result.complete ||
      result.sha256 !== expectedSha ||
      !stored?.complete ||
      stored.sha256 !== expectedSha
    ) {
      throw new Error('the region does not hold the file complete with the right sha256');
    }
    await region.close();
    return { kiln, result, usage, regionCpu, regionVerifyMs, load: [loadBefore, os.loadavg()[0]] };
  };
  const measured = [];
  for (let i = 0; i < runs; i++) measured.push(await uploadOnce(i));
  const byRate = [...measured].sort((a, b) => b.result.transferMs - a.result.transferMs);
  const { kiln, result, usage, regionCpu, regionVerifyMs } = byRate[Math.floor((byRate.length - 1) / 2)];
  const peakRssMB = (usage.maxRSS * 1024) / MB;
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;

  const rate = (ms: number) => size / MB / (ms / 1000);
  const figures = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0].toFixed(1)}`,
    sizeBytes: size,
    chunkMiB,
    generateSeconds: generateMs / 1000,
    kiln: {
      wallSeconds: kiln.ms / 1000,
      uploadSeconds: result.transferMs / 1000,
      hashAndUploadSeconds: result.elapsedMs / 1000,
      uploadMBps: rate(result.transferMs),
      regionVerifySeconds: regionVerifyMs / 1000,
      uploadWithoutRegionVerifyMBps: rate(result.transferMs - regionVerifyMs),
      endToEndMBps: rate(kiln.ms),
      peakRssMB,
      cpuSeconds,
      userCpuSeconds: usage.userCPUTime / 1e6,
      systemCpuSeconds: usage.systemCPUTime / 1e6,
    },
    fakeRegionCpuSeconds: (regionCpu.user + regionCpu.system) / 1e6,
    fakeRegionUserCpuSeconds: regionCpu.user / 1e6,
    fakeRegionSystemCpuSeconds: regionCpu.system / 1e6,
    runs: measured.map((m) => ({
      uploadMBps: rate(m.result.transferMs),
      uploaderCpuSeconds: (m.usage.userCPUTime + m.usage.systemCPUTime) / 1e6,
      fakeRegionCpuSeconds: (m.regionCpu.user + m.regionCpu.system) / 1e6,
      loadAverage: m.load,
    })),
    reference: { sha256sumMBps: rate(shaMs), curlLoopbackMBps: rate(curlMs) },
    goals: { uploadMBps: 300, peakRssMB: 200 },
  };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
    return;
  }
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : 'n/a');
  const goal = (ok: boolean) => (ok ? 'meets the goal' : 'MISSES the goal');
  console.log(
    `MAAS upload, ${(size / 2 ** 30).toFixed(2)} GiB, ${chunkMiB} MiB chunks, fake region on loopback (${figures.machine})`,
  );
  console.log(
    `  kiln maas upload, whole command      ${figures.kiln.wallSeconds.toFixed(1)} s  ${f(figures.kiln.endToEndMBps)} MB/s (hashing pass included)`,
  );
  console.log(
    `  upload phase (first PUT → complete)  ${figures.kiln.uploadSeconds.toFixed(1)} s  ${f(figures.kiln.uploadMBps)} MB/s  ${goal(figures.kiln.uploadMBps >= 300)} (≥ 300 MB/s)`,
  );
  console.log(
    `    of which the region's last chunk    ${figures.kiln.regionVerifySeconds.toFixed(2)} s (its write, the rest of its sha256, the check); without it ${f(figures.kiln.uploadWithoutRegionVerifyMBps)} MB/s`,
  );
  console.log(
    `  peak RSS of the uploading process    ${f(peakRssMB)} MB  ${goal(peakRssMB < 200)} (< 200 MB)`,
  );
  console.log(
    `  CPU time of the uploading process    ${cpuSeconds.toFixed(1)} s  (user ${figures.kiln.userCpuSeconds.toFixed(1)}, sys ${figures.kiln.systemCpuSeconds.toFixed(1)}; ${f(size / MB / cpuSeconds)} MB per CPU-second, hashing pass included)`,
  );
  console.log(
    `  CPU time of the fake region          ${figures.fakeRegionCpuSeconds.toFixed(1)} s  (user ${figures.fakeRegionUserCpuSeconds.toFixed(1)}, sys ${figures.fakeRegionSystemCpuSeconds.toFixed(1)}; receiving, writing to disk, its sha256)`,
  );
  if (figures.runs.length > 1) {
    console.log(`  runs (the median is shown above):`);
    for (const r of figures.runs) {
      console.log(
        `    ${f(r.uploadMBps)} MB/s, CPU uploader ${r.uploaderCpuSeconds.toFixed(1)} s, region ${r.fakeRegionCpuSeconds.toFixed(1)} s, load ${r.loadAverage.map((l) => l.toFixed(1)).join('→')}`,
      );
    }
  }
  console.log(
    `  reference: sha256sum                 ${f(figures.reference.sha256sumMBps)} MB/s  (kiln's upload phase at ${(figures.kiln.uploadMBps / figures.reference.sha256sumMBps).toFixed(2)}×)`,
  );
  console.log(
    `  reference: curl -T, one PUT, sink    ${f(figures.reference.curlLoopbackMBps)} MB/s  (kiln's upload phase at ${(figures.kiln.uploadMBps / figures.reference.curlLoopbackMBps).toFixed(2)}×)`,
  );
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  .finally(cleanup);
