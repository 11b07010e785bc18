/**
 * MAAS root tarball: Kiln vs the packer-maas pipeline, same disk, same run.
 *
 * The disk: GPT (ESP + root), qcow2, an ext4 root holding ~2 GB of real files (a deterministic sample of
 * the host's /usr: libraries, binaries, text, many small files), built once and cached in
 * .cache/bench/maas-artifacts/. Then:
 *   - Kiln: makeRootTarball(disk, out, 'tgz') at gzip level 6 (Kiln's default) and 9 (packer-maas's);
 *   - packer-maas: qemu-nbd + nbdfuse + nbdkit + fuse2fs, GNU tar -S --acls --selinux --xattrs, then
 *     pigz --best (testing/packer-maas-reference.sh, re-created from the reference notes).
 * Run: `npm run bench -- maas-artifacts` (KILN_BENCH_DATA_MB=500 for a quicker, smaller run).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  copyFileSync as cp,
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeRootTarball } from '../electron/engine/maas/rootfs';
import { makeDisk, makeExt4 } from '../electron/engine/maas/testing/fixtures';
import { hasFuse, missingTools } from '../electron/engine/maas/testing/tools';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DATA_MB = Number(process.env.KILN_BENCH_DATA_MB) || 2000;
const cache = path.join(root, '.cache/bench/maas-artifacts');
const stamp = path.join(cache, `dataset-v3-${DATA_MB}.json`);
const disk = path.join(cache, `disk-v3-${DATA_MB}.qcow2`);

function sh(command: string, args: string[]): string {
  return execFileSync(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  }).toString();
}

/** Every regular file under `dir` with its size, sorted by path (lstat; unreadable entries skipped). */
function listFiles(dir: string, out: Array<[string, number]> = []): Array<[string, number]> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const name of names) {
    const full = path.join(dir, name);
    try {
      const st = lstatSync(full);
      if (st.isDirectory()) listFiles(full, out);
      else if (st.isFile() || st.isSymbolicLink()) out.push([full, st.isFile() ? st.size : -1]);
    } catch {
      /* vanished or unreadable */
    }
  }
  return out;
}

/**
 * A deterministic sample of the host's /usr of `limit` bytes: files are taken in the order of a hash of
 * their path until the limit, so the sample has /usr's mix (libraries, binaries, many small
 * documentation and locale files) rather than whichever directories sort first.
 */
function stageTree(target: string, limit: number): { files: number; bytes: number } {
  const rank = (file: string) => createHash('sha1').update(file).digest('hex');
  const all = listFiles('/usr')
    .map(([file, size]) => ({ file, size, rank: rank(file) }))
    .sort((a, b) => (a.rank < b.rank ? -1 : 1));
  let bytes = 0;
  let files = 0;
  for (const { file, size } of all) {
    if (bytes >= limit) break;
    const to = path.join(target, file);
    mkdirSync(path.dirname(to), { recursive: true });
    try {
      if (size < 0) symlinkSync(readlinkSync(file), to);
      else {
        cp(file, to);
        bytes += size;
        files++;
      }
    } catch {
      /* unreadable: skip */
    }
  }
  for (const d of ['etc', 'var/lib/cloud/instances/i-1', 'var/log'])
    mkdirSync(path.join(target, d), { recursive: true });
  writeFileSync(path.join(target, 'etc/machine-id'), '0123456789abcdef0123456789abcdef\n');
  writeFileSync(path.join(target, 'var/log/cloud-init.log'), 'log\n');
  return { files, bytes };
}

function buildDataset(): { files: number; bytes: number } {
  if (existsSync(stamp) && existsSync(disk))
    return JSON.parse(readFileSync(stamp, 'utf8')) as { files: number; bytes: number };
  mkdirSync(cache, { recursive: true });
  const work = path.join(cache, 'work');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work);
  console.log(
    `building the dataset: ${DATA_MB} MB of /usr into an ext4 root, GPT, qcow2 (once; cached in ${path.relative(root, cache)})`,
  );
  const tree = path.join(work, 'tree');
  const staged = stageTree(tree, DATA_MB * 1e6);
  const fsImage = makeExt4(tree, path.join(work, 'root.img'), {
    sizeMiB: Math.ceil((staged.bytes * 1.35) / 2 ** 20) + 256,
  });
  rmSync(tree, { recursive: true, force: true });
  const { disk: built } = makeDisk(fsImage, work, { table: 'gpt', format: 'qcow2' });
  copyFileSync(built, disk);
  rmSync(work, { recursive: true, force: true });
  writeFileSync(stamp, JSON.stringify(staged));
  return staged;
}

const missing = missingTools('mkfs.ext4', 'sgdisk', 'qemu-img');
if (missing) {
  console.log(`maas-artifacts bench skipped: ${missing}`);
  process.exit(0);
}
const dataset = buildDataset();
const out = fs_tmp();
function fs_tmp(): string {
  return path.join(os.tmpdir(), `kiln-bench-maas-${process.pid}`);
}
mkdirSync(out, { recursive: true });
console.log(
  `dataset: ${dataset.files} files, ${(dataset.bytes / 1e6).toFixed(0)} MB of file data; disk ${(statSync(disk).size / 1e6).toFixed(0)} MB qcow2; ${os.availableParallelism()} cores (${os.loadavg()[0].toFixed(1)} load)`,
);

const rows: Array<[string, number, number, string]> = [];
try {
  for (const level of [6, 9]) {
    const target = path.join(out, `kiln-${level}.tar.gz`);
    const result = await makeRootTarball(disk, target, 'tgz', { level });
    rows.push([
      `Kiln tgz, gzip -${level}`,
      result.seconds,
      result.size,
      `${result.entries} entries, ${(result.rawBytes / 1e6).toFixed(0)} MB tar`,
    ]);
    rmSync(target);
  }
  const fuseMissing = missingTools('qemu-nbd', 'nbdfuse', 'nbdkit', 'fuse2fs', 'pigz');
  if (fuseMissing || !hasFuse())
    console.log(`packer-maas pipeline skipped: ${fuseMissing || 'FUSE is not available'}`);
  else {
    const copy = path.join(out, 'copy.qcow2'); // the pipeline writes to its disk
    copyFileSync(disk, copy);
    const target = path.join(out, 'reference.tar.gz');
    const started = performance.now();
    const report = sh('bash', [
      path.join(root, 'electron/engine/maas/testing/packer-maas-reference.sh'),
      copy,
      'qcow2',
      '2',
      target,
      '',
      'best',
    ]);
    const seconds = (performance.now() - started) / 1000;
    rows.push([
      'packer-maas: fuse2fs + tar, pigz --best',
      seconds,
      statSync(target).size,
      report.trim().split('\n').pop() ?? '',
    ]);
    rmSync(copy);
    rmSync(target);
  }
  // How Kiln reads the disk: its own qcow2 reader, qemu-nbd with Kiln's NBD client, or a raw copy first.
  for (const reader of ['native', 'qemu-nbd'] as const) {
    const target = path.join(out, `tar-${reader}.tar`);
    const result = await makeRootTarball(disk, target, 'tar', { reader });
    rows.push([
      `Kiln tar (no compression), ${reader === 'native' ? "Kiln's qcow2 reader" : 'qemu-nbd + NBD client'}`,
      result.seconds,
      result.size,
      'reading and archiving only',
    ]);
    rmSync(target);
  }
  if (!missingTools('qemu-img')) {
    const raw = path.join(out, 'converted.raw');
    const started = performance.now();
    sh('qemu-img', ['convert', '-O', 'raw', disk, raw]);
    const seconds = (performance.now() - started) / 1000;
    rows.push([
      'qemu-img convert -O raw (first step of a convert-then-read design)',
      seconds,
      statSync(raw).size,
      'before any archiving',
    ]);
    rmSync(raw);
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}

const reference = rows.find((r) => r[0].startsWith('packer-maas'));
console.log('\n| run | seconds | output MB | vs packer-maas | notes |\n|---|---:|---:|---:|---|');
for (const [name, seconds, size, notes] of rows) {
  const ratio =
    reference && name.startsWith('Kiln tgz') ? `${(reference[1] / seconds).toFixed(1)}× faster` : '—';
  console.log(
    `| ${name} | ${seconds.toFixed(1)} | ${(size / 1e6).toFixed(1)} | ${name === reference?.[0] ? 'reference' : ratio} | ${notes} |`,
  );
}
