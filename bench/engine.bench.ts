/**
 * Build engine benchmarks, each beside its reference measured in the same run:
 *   1. compress a 1 GiB file to tar.gz: Kiln's compress post-processor vs packer 1.6.6's (pgzip);
 *   2. sha256 of the same file: Kiln's checksum reader vs `sha256sum`;
 *   3. an empty null build, end to end as a command: `kiln build` vs `packer build`.
 * KILN_BENCH_SIZE_MB changes the file size (default 1024). Prints one line per figure with the ratio.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Artifact } from '../electron/engine/build/components';
import { BuildUi, EventChannel } from '../electron/engine/build/ui';
import { TempSpace } from '../electron/engine/build/temp';
import { hashFile } from '../electron/engine/postprocessors/checksum';
import { CompressPostProcessor } from '../electron/engine/postprocessors/compress';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sizeMb = Number(process.env.KILN_BENCH_SIZE_MB ?? 1024);
const dir = mkdtempSync(join(tmpdir(), 'kiln-bench-engine-'));
const PACKER = '/usr/bin/packer';
const havePacker = existsSync(PACKER);

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function report(name: string, kilnMs: number, refName: string, refMs: number | undefined): void {
  if (refMs === undefined) {
    console.log(`${name}: kiln ${seconds(kilnMs)}; ${refName} not available`);
    return;
  }
  console.log(
    `${name}: kiln ${seconds(kilnMs)}, ${refName} ${seconds(refMs)}, ratio kiln/${refName} ${(kilnMs / refMs).toFixed(2)}`,
  );
}

/** A disk-image-like file: a third random (already compressed data), a third zeros, a third text. */
function makeFile(path: string, mb: number): void {
  const fd = openSync(path, 'w');
  const chunk = 4 * 1024 * 1024;
  const text = Buffer.from(
    Array.from(
      { length: 4096 },
      (_, i) => `line ${i}: the quick brown fox ${i * 7919} jumps over ${i % 13}\n`,
    ).join(''),
  );
  const zeros = Buffer.alloc(chunk);
  for (let written = 0, i = 0; written < mb * 1024 * 1024; i++) {
    const kind = i % 3;
    const data =
      kind === 0
        ? randomBytes(chunk)
        : kind === 1
          ? zeros
          : Buffer.concat(Array(Math.ceil(chunk / text.length)).fill(text)).subarray(0, chunk);
    writeSync(fd, data);
    written += chunk;
  }
  closeSync(fd);
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function kilnCompress(file: string, output: string): Promise<number> {
  const ui = new BuildUi(new EventChannel(), 'bench');
  const pp = new CompressPostProcessor({ output }, (t) => t);
  const input: Artifact = {
    builderId: 'bench',
    id: '',
    files: [file],
    describe: () => file,
    destroy: async () => undefined,
  };
  const temp = new TempSpace();
  const build = {
    name: 'bench',
    builderType: 'null',
    sourceName: 'bench',
    buildBlockName: '',
    debug: false,
    force: false,
    onError: 'cleanup' as const,
    runUuid: 'bench',
    cwd: dir,
  };
  return timeAsync(async () => {
    await pp.postProcess({ signal: new AbortController().signal, ui, build, temp }, input);
  });
}

function packerCompress(file: string, output: string): number | undefined {
  if (!havePacker) return undefined;
  const template = join(dir, 'compress.json');
  writeFileSync(
    template,
    JSON.stringify({
      builders: [{ type: 'null', communicator: 'none' }],
      'post-processors': [
        [
          { type: 'artifice', files: [file] },
          { type: 'compress', output, keep_input_artifact: true },
        ],
      ],
    }),
  );
  const env = { ...process.env, CHECKPOINT_DISABLE: '1' };
  return time(() => {
    const r = spawnSync(PACKER, ['build', '-color=false', template], { cwd: dir, env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error('packer compress failed');
  });
}

function hyperfine(commands: string[]): number[] | undefined {
  const out = join(dir, 'hyperfine.json');
  const r = spawnSync('hyperfine', ['-N', '-w', '2', '-r', '10', '--export-json', out, ...commands], {
    cwd: dir,
    stdio: 'ignore',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', KILN_NO_REBUILD: '1' },
  });
  if (r.status !== 0) return undefined;
  const results = (JSON.parse(readFileSync(out, 'utf8')) as { results: Array<{ median: number }> }).results;
  return results.map((x) => x.median * 1000);
}

async function main(): Promise<void> {
  console.log(
    `machine: ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)} (shared: figures are provisional)`,
  );
  const big = join(dir, 'big.bin');
  makeFile(big, sizeMb);
  console.log(`test file: ${statSync(big).size} bytes (random, zeros, text)`);
  // Warm the page cache so both sides read from memory.
  spawnSync('cat', [big], { stdio: ['ignore', 'ignore', 'ignore'] });

  // 1. compress to tar.gz (best of two runs each)
  const k1 = Math.min(
    await kilnCompress(big, join(dir, 'k.tar.gz')),
    await kilnCompress(big, join(dir, 'k.tar.gz')),
  );
  const p1a = packerCompress(big, join(dir, 'p.tar.gz'));
  const p1 = p1a === undefined ? undefined : Math.min(p1a, packerCompress(big, join(dir, 'p.tar.gz'))!);
  report(`compress ${sizeMb} MiB to tar.gz`, k1, 'packer-1.6.6', p1);
  if (existsSync(join(dir, 'p.tar.gz')))
    console.log(
      `  sizes: kiln ${statSync(join(dir, 'k.tar.gz')).size}, packer ${statSync(join(dir, 'p.tar.gz')).size}`,
    );

  // 2. sha256
  const k2 = Math.min(
    await timeAsync(async () => void (await hashFile(big, ['sha256']))),
    await timeAsync(async () => void (await hashFile(big, ['sha256']))),
  );
  const s2 = Math.min(
    time(() => spawnSync('sha256sum', [big], { stdio: 'ignore' })),
    time(() => spawnSync('sha256sum', [big], { stdio: 'ignore' })),
  );
  report(`sha256 ${sizeMb} MiB`, k2, 'sha256sum', s2);

  // 3. an empty null build, as commands
  writeFileSync(
    join(dir, 'empty.json'),
    JSON.stringify({ builders: [{ type: 'null', communicator: 'none' }] }),
  );
  const kiln = `${process.execPath} ${join(root, 'bin/kiln.mjs')} build -color=false empty.json`;
  const probe = spawnSync(
    process.execPath,
    [join(root, 'bin/kiln.mjs'), 'build', '-color=false', 'empty.json'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  if (probe.status !== 0) {
    console.log(
      `empty null build: kiln command failed (${(probe.stderr || probe.stdout).split('\n')[0]}); skipped`,
    );
  } else {
    const medians = hyperfine([kiln, ...(havePacker ? [`${PACKER} build -color=false empty.json`] : [])]);
    if (medians) report('empty null build (median of 10)', medians[0], 'packer-1.6.6', medians[1]);
    else console.log('empty null build: hyperfine not available; skipped');
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
