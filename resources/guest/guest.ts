/**
 * Kiln's test guests: built once from Debian packages by `recipe/build-guest.sh` and cached outside
 * the repository under `${XDG_CACHE_HOME:-~/.cache}/kiln/guest/<hash of the recipe files>/`, so they
 * are rebuilt only when the recipe changes. Several test processes may ask at once: one builds (under
 * a lock directory), the others wait for its result.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const recipeDir = join(dirname(fileURLToPath(import.meta.url)), 'recipe');

export interface GuestManifest {
  kernel: string;
  disk: string;
  diskVirtualSize: number;
  rootPartition: number;
  rootLabel: string;
  espPartition: number;
  liveIso: string;
  packages: string[];
}

export interface Guest {
  /** The cache directory holding this build of the guests. */
  dir: string;
  /** The cloud-image-like disk (qcow2, GPT: 14 BIOS boot, 15 ESP, 1 ext4 root `cloudimg-rootfs`). */
  disk: string;
  /** The UEFI live ISO whose boot menu must be edited to reach SSH. */
  liveIso: string;
  manifest: GuestManifest;
  /** True when this call built the guests, false when they came from the cache. */
  built: boolean;
}

export interface EnsureGuestOptions {
  signal?: AbortSignal;
  /** Build progress lines (the recipe's own messages). */
  log?: (line: string) => void;
  /** Overrides the cache root (tests). */
  cacheRoot?: string;
}

export function guestCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'kiln', 'guest');
}

/** SHA-256 over every recipe file's relative path, mode and content, in a fixed order. */
export function recipeHash(dir: string = recipeDir): string {
  const hash = createHash('sha256');
  const walk = (current: string) => {
    for (const name of readdirSync(current).sort()) {
      const full = join(current, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        walk(full);
        continue;
      }
      hash.update(`${relative(dir, full)}\0${st.mode & 0o111 ? 'x' : '-'}\0`);
      hash.update(readFileSync(full));
      hash.update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 16);
}

/** The host tools the recipe runs (see .ci/run). */
export const recipeTools = [
  'apt-get',
  'dpkg-deb',
  'sgdisk',
  'mkfs.vfat',
  'mmd',
  'mcopy',
  'mkfs.ext4',
  'debugfs',
  'e2fsck',
  'xorriso',
  'cpio',
  'zstd',
  'qemu-img',
  'python3',
];

function onPath(tool: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin']);
  return dirs.some((d) => d && existsSync(join(d, tool)));
}

/** Why the guests cannot be built here, or undefined when they can (or already are). */
export function guestUnavailableReason(options: { cacheRoot?: string } = {}): string | undefined {
  const root = options.cacheRoot ?? guestCacheRoot();
  if (existsSync(join(root, recipeHash(), 'manifest.json'))) return undefined;
  const missing = recipeTools.filter((t) => !onPath(t));
  if (missing.length) return `the test guest cannot be built: missing ${missing.join(', ')} (see .ci/run)`;
  if (!existsSync('/usr/lib/systemd/boot/efi/systemd-bootx64.efi'))
    return 'the test guest cannot be built: systemd-bootx64.efi is missing (package systemd-boot-efi)';
  return undefined;
}

function readGuest(dir: string, built: boolean): Guest {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as GuestManifest;
  return { dir, disk: join(dir, manifest.disk), liveIso: join(dir, manifest.liveIso), manifest, built };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });

/** Takes the build lock (a directory holding the owner's pid); false if a live process holds it. */
function tryLock(lock: string): boolean {
  try {
    mkdirSync(lock);
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let owner: number;
    try {
      owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      // The owner is between mkdir and writing its pid: treat as held.
      return false;
    }
    if (Number.isFinite(owner) && processAlive(owner)) return false;
    rmSync(lock, { recursive: true, force: true });
    return tryLock(lock);
  }
}

function runRecipe(out: string, work: string, debs: string, options: EnsureGuestOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(recipeDir, 'build-guest.sh'), out, work, debs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` },
      detached: true,
    });
    const tail: string[] = [];
    const onLine = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        tail.push(line);
        if (tail.length > 40) tail.shift();
        options.log?.(line);
      }
    };
    child.stdout.on('data', onLine);
    child.stderr.on('data', onLine);
    const abort = () => {
      // The recipe's children (apt, mkfs, xorriso) share its process group.
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    child.on('error', reject);
    child.on('close', (code, sig) => {
      options.signal?.removeEventListener('abort', abort);
      if (options.signal?.aborted) reject(options.signal.reason);
      else if (code === 0) resolve();
      else
        reject(new Error(`building the test guest failed (${sig ?? `exit ${code}`}):\n${tail.join('\n')}`));
    });
  });
}

/**
 * Returns the test guests, building them first when the recipe changed since the cached build.
 * Builds take about a minute (plus downloading ~100 MB of packages the first time).
 */
export async function ensureGuest(options: EnsureGuestOptions = {}): Promise<Guest> {
  const root = options.cacheRoot ?? guestCacheRoot();
  const hash = recipeHash();
  const dir = join(root, hash);
  const lock = join(root, `${hash}.lock`);
  mkdirSync(root, { recursive: true });
  for (;;) {
    options.signal?.throwIfAborted();
    if (existsSync(join(dir, 'manifest.json'))) return readGuest(dir, false);
    if (tryLock(lock)) break;
    await sleep(500, options.signal);
  }
  try {
    if (existsSync(join(dir, 'manifest.json'))) return readGuest(dir, false);
    const out = `${dir}.tmp`;
    const work = `${dir}.work`;
    rmSync(out, { recursive: true, force: true });
    await runRecipe(out, work, join(root, 'debs'), options);
    renameSync(out, dir);
    rmSync(work, { recursive: true, force: true });
    // Older builds of the recipe are of no further use; the package cache stays.
    for (const name of readdirSync(root)) {
      if (/^[0-9a-f]{16}$/.test(name) && name !== hash)
        rmSync(join(root, name), { recursive: true, force: true });
    }
    return readGuest(dir, true);
  } finally {
    rmSync(`${dir}.tmp`, { recursive: true, force: true });
    rmSync(`${dir}.work`, { recursive: true, force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}
