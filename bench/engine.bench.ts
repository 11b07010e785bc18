/**
 * Build engine benchmarks, each beside its reference measured in the same run:
 *   1. compress a 1 GiB file to tar.gz, as commands: `kiln build` vs `packer build` (1.6.6, pgzip) of the
 *      same JSON template (artifice + compress), interleaved, median of KILN_BENCH_RUNS (default 5), with
 *      each side's CPU time (user+sys of the whole process tree) and the load average;
 *   2. sha256 of the same file: Kiln's checksum reader vs `sha256sum`;
 *   3. an empty null build, end to end as a command: `kiln build` vs `packer build`.
 * KILN_BENCH_SIZE_MB changes the file size (default 1024). Prints one line per figure with the ratio.
 * Node processes run with the environment as given: say whether NODE_EXTRA_CA_CERTS was set (it costs
 * every Node start ~48 ms on a machine with a large CA bundle); the first line prints it.
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
import { hashFile } from '../electron/engine/postprocessors/checksum';

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

/** CPU seconds (user+sys) of this process's reaped children so far: /proc/self/stat's cutime + cstime. */
function childrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100; // clock ticks: 100 a second on Linux
}

interface CommandRun {
  ms: number;
  cpu: number;
}

/** Runs a command to completion; its wall time and the CPU time of its whole process tree. */
function runCommand(command: string, args: string[]): CommandRun {
  const cpu = childrenCpuSeconds();
  const t = performance.now();
  const r = spawnSync(command, args, {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CHECKPOINT_DISABLE: '1', KILN_NO_REBUILD: '1' },
  });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr}`);
  return { ms, cpu: childrenCpuSeconds() - cpu };
}

/** The same compress template for both tools: artifice hands the file to compress, as a build would. */
function compressTemplate(name: string, file: string, output: string): string {
  const template = join(dir, name);
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
  return template;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Interleaved runs of both tools (which goes first alternates), each run printed with the load. */
function compressRuns(file: string, runs: number): void {
  const kilnTemplate = compressTemplate('compress-kiln.json', file, join(dir, 'k.tar.gz'));
  const packerTemplate = compressTemplate('compress-packer.json', file, join(dir, 'p.tar.gz'));
  const kilnArgs = [join(root, 'bin/kiln.cjs'), 'build', '-color=false', kilnTemplate];
  const packerArgs = ['build', '-color=false', packerTemplate];
  const kiln: CommandRun[] = [];
  const packer: CommandRun[] = [];
  for (let i = 0; i < runs; i++) {
    const load = loadavg()[0].toFixed(1);
    const order = i % 2 === 0 ? ['kiln', 'packer'] : ['packer', 'kiln'];
    for (const tool of order) {
      if (tool === 'kiln') kiln.push(runCommand(process.execPath, kilnArgs));
      else if (havePacker) packer.push(runCommand(PACKER, packerArgs));
    }
    const k = kiln[kiln.length - 1];
    const p = packer[packer.length - 1];
    console.log(
      `  run ${i + 1} (load ${load}): kiln ${seconds(k.ms)} (cpu ${k.cpu.toFixed(2)} s)` +
        (p ? `, packer ${seconds(p.ms)} (cpu ${p.cpu.toFixed(2)} s)` : ''),
    );
  }
  const kMs = median(kiln.map((r) => r.ms));
  const pMs = packer.length ? median(packer.map((r) => r.ms)) : undefined;
  report(`compress ${sizeMb} MiB to tar.gz, median of ${runs}`, kMs, 'packer-1.6.6', pMs);
  console.log(
    `  cpu (user+sys) median: kiln ${median(kiln.map((r) => r.cpu)).toFixed(2)} s` +
      (packer.length ? `, packer ${median(packer.map((r) => r.cpu)).toFixed(2)} s` : ''),
  );
  console.log(
    `  sizes: kiln ${statSync(join(dir, 'k.tar.gz')).size}` +
      (packer.length ? `, packer ${statSync(join(dir, 'p.tar.gz')).size}` : ''),
  );
}

function hyperfine(commands: string[]): Array<{ median: number; cpu: number }> | undefined {
  const out = join(dir, 'hyperfine.json');
  const r = spawnSync('hyperfine', ['-N', '-w', '2', '-r', '10', '--export-json', out, ...commands], {
    cwd: dir,
    stdio: 'ignore',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', KILN_NO_REBUILD: '1' },
  });
  if (r.status !== 0) return undefined;
  const results = (
    JSON.parse(readFileSync(out, 'utf8')) as {
      results: Array<{ median: number; user: number; system: number }>;
    }
  ).results;
  return results.map((x) => ({ median: x.median * 1000, cpu: x.user + x.system }));
}

async function main(): Promise<void> {
  console.log(
    `machine: ${availableParallelism()} cores, load ${loadavg()[0].toFixed(1)} (shared: figures are provisional); ` +
      `NODE_EXTRA_CA_CERTS ${process.env.NODE_EXTRA_CA_CERTS ? 'set' : 'unset'}`,
  );
  const big = join(dir, 'big.bin');
  makeFile(big, sizeMb);
  console.log(`test file: ${statSync(big).size} bytes (random, zeros, text)`);
  // Warm the page cache so both sides read from memory.
  spawnSync('cat', [big], { stdio: ['ignore', 'ignore', 'ignore'] });

  // 1. compress to tar.gz, as commands
  compressRuns(big, Number(process.env.KILN_BENCH_RUNS ?? 5));

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
  const kiln = `${process.execPath} ${join(root, 'bin/kiln.cjs')} build -color=false empty.json`;
  const probe = spawnSync(
    process.execPath,
    [join(root, 'bin/kiln.cjs'), 'build', '-color=false', 'empty.json'],
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
    if (medians) {
      report('empty null build (median of 10)', medians[0].median, 'packer-1.6.6', medians[1]?.median);
      console.log(
        `  cpu (user+sys) mean: kiln ${(medians[0].cpu * 1000).toFixed(0)} ms` +
          (medians[1] ? `, packer ${(medians[1].cpu * 1000).toFixed(0)} ms` : ''),
      );
    } else console.log('empty null build: hyperfine not available; skipped');
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(dir, { recursive: true, force: true }));
