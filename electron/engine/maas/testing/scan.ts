/**
 * One normalised listing of a tree — a host directory, an image's file system, or a tarball — so tests
 * compare them entry by entry: path, type, mode, owner, size, link target, device, xattrs, content hash,
 * hard-link group.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import path from 'node:path';
import { decompressedStream } from '../compress/decompress';
import type { FileSystemReader } from '../fs/types';
import { TarReader } from '../tar/reader';
import { hasTool, run } from './tools';

export interface ScanEntry {
  type: string;
  perm: number;
  uid: number;
  gid: number;
  size: number;
  target?: string;
  rdev?: string;
  xattrs: Record<string, string>;
  sha256?: string;
  /** Other paths that are the same file (hard links), sorted; absent for single links. */
  links?: string[];
  mtime?: number;
}

/** Keys are `./rel/path` with non-UTF-8 bytes kept (latin1 of the raw bytes). */
export type Scan = Map<string, ScanEntry>;

function key(raw: Buffer): string {
  return raw.toString('latin1');
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function finishLinks(scan: Scan, groups: Map<string, string[]>): void {
  for (const paths of groups.values()) {
    if (paths.length < 2) continue;
    const sorted = [...paths].sort();
    for (const p of paths) {
      const e = scan.get(p);
      if (e) e.links = sorted;
    }
  }
}

/** Host xattrs of every path under `dir`, via python3 (Node cannot read xattrs). */
function hostXattrs(dir: string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (!hasTool('python3')) return out;
  const script = `
import os, sys, json
root = sys.argv[1].encode()
res = {}
for d, dirs, files in os.walk(root):
    for n in [b''] + dirs + files:
        p = os.path.join(d, n) if n else d
        try:
            names = os.listxattr(p, follow_symlinks=False)
        except OSError:
            continue
        if names:
            res[p[len(root):].hex()] = {k: os.getxattr(p, k, follow_symlinks=False).hex() for k in names}
print(json.dumps(res))
`;
  const parsed = JSON.parse(run('python3', ['-c', script, dir])) as Record<string, Record<string, string>>;
  for (const [hex, attrs] of Object.entries(parsed))
    out.set(`.${Buffer.from(hex, 'hex').toString('latin1')}`, attrs);
  return out;
}

const MODE_TYPES: Array<[(s: Stats) => boolean, string]> = [
  [(s) => s.isDirectory(), 'dir'],
  [(s) => s.isSymbolicLink(), 'symlink'],
  [(s) => s.isCharacterDevice(), 'char'],
  [(s) => s.isBlockDevice(), 'block'],
  [(s) => s.isFIFO(), 'fifo'],
  [(s) => s.isSocket(), 'socket'],
];

export function scanHost(dir: string): Scan {
  const scan: Scan = new Map();
  const groups = new Map<string, string[]>();
  const xattrs = hostXattrs(dir);
  const walk = (abs: Buffer, rel: string) => {
    const st = lstatSync(abs);
    const type = MODE_TYPES.find(([test]) => test(st))?.[1] ?? 'file';
    const entry: ScanEntry = {
      type,
      perm: st.mode & 0o7777,
      uid: st.uid,
      gid: st.gid,
      size: type === 'file' ? st.size : 0,
      xattrs: xattrs.get(rel) ?? {},
      mtime: Math.floor(st.mtimeMs / 1000),
    };
    if (type === 'symlink') entry.target = readlinkSync(abs, { encoding: 'buffer' }).toString('latin1');
    if (type === 'char' || type === 'block')
      entry.rdev = `${Math.floor(st.rdev / 256) & 0xfff},${(st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00)}`;
    if (type === 'file') entry.sha256 = sha(readFileSync(abs));
    if (type !== 'dir' && st.nlink > 1)
      groups.set(String(st.ino), [...(groups.get(String(st.ino)) ?? []), rel]);
    scan.set(rel, entry);
    if (type === 'dir') {
      for (const name of readdirSync(abs, { encoding: 'buffer' }))
        walk(Buffer.concat([abs, Buffer.from('/'), name]), `${rel}/${key(name)}`);
    }
  };
  walk(Buffer.from(path.resolve(dir)), '.');
  finishLinks(scan, groups);
  return scan;
}

export async function scanFs(fs: FileSystemReader): Promise<Scan> {
  const scan: Scan = new Map();
  const groups = new Map<string, string[]>();
  const walk = async (ino: number, rel: string) => {
    const st = await fs.stat(ino);
    const xattrs: Record<string, string> = {};
    for (const [name, value] of await fs.xattrs(ino)) xattrs[name] = value.toString('hex');
    const entry: ScanEntry = {
      type: st.type,
      perm: st.perm,
      uid: st.uid,
      gid: st.gid,
      size: st.type === 'file' ? st.size : 0,
      xattrs,
      mtime: st.mtime,
    };
    if (st.type === 'symlink') entry.target = (await fs.readlink(ino)).toString('latin1');
    if (st.type === 'char' || st.type === 'block') entry.rdev = `${st.rdevMajor},${st.rdevMinor}`;
    if (st.type === 'file') {
      const file = await fs.open(ino);
      const data = Buffer.alloc(file.size);
      await file.read(data, 0, file.size, 0);
      entry.sha256 = sha(data);
    }
    if (st.type !== 'dir' && st.nlink > 1) groups.set(String(ino), [...(groups.get(String(ino)) ?? []), rel]);
    scan.set(rel, entry);
    if (st.type === 'dir') for (const e of await fs.readdir(ino)) await walk(e.ino, `${rel}/${key(e.raw)}`);
  };
  await walk(fs.rootIno, '.');
  finishLinks(scan, groups);
  return scan;
}

/** A tarball (any compression); also returns the pax records per path for format checks. */
export async function scanTar(
  file: string,
): Promise<{ scan: Scan; pax: Map<string, Map<string, Buffer>>; order: string[] }> {
  const scan: Scan = new Map();
  const pax = new Map<string, Map<string, Buffer>>();
  const order: string[] = [];
  const reader = new TarReader(decompressedStream(file));
  const linkTargets: Array<[string, string]> = [];
  for (;;) {
    const next = await reader.next();
    if (!next) break;
    const m = next.member;
    let rel = key(m.rawPath).replace(/\/$/, '');
    if (rel === '.' || rel === '') rel = '.';
    else if (!rel.startsWith('./')) rel = `./${rel}`;
    order.push(rel);
    pax.set(rel, m.pax);
    const xattrs: Record<string, string> = {};
    for (const [name, value] of m.xattrs) xattrs[name] = value.toString('hex');
    const entry: ScanEntry = {
      type: m.type,
      perm: m.perm,
      uid: m.uid,
      gid: m.gid,
      size: m.type === 'file' ? m.size : 0,
      xattrs,
      mtime: m.mtime,
    };
    if (m.type === 'symlink') entry.target = Buffer.from(m.linkTarget, 'utf8').toString('latin1');
    if (m.type === 'char' || m.type === 'block') entry.rdev = `${m.devMajor},${m.devMinor}`;
    if (m.type === 'file') {
      const hash = createHash('sha256');
      for await (const chunk of next.data()) hash.update(chunk);
      entry.sha256 = hash.digest('hex');
    }
    if (m.type === 'hardlink') {
      let target = key(Buffer.from(m.linkTarget, 'utf8'));
      if (!target.startsWith('./')) target = `./${target}`;
      linkTargets.push([rel, target]);
    }
    scan.set(rel, entry);
  }
  // A hard link member becomes a copy of its target's entry, and both join one link group.
  const groups = new Map<string, string[]>();
  for (const [link, target] of linkTargets) {
    const t = scan.get(target);
    if (!t) throw new Error(`hard link ${link} points at ${target}, which is not in the archive before it`);
    scan.set(link, { ...t });
    groups.set(target, [...(groups.get(target) ?? [target]), link]);
  }
  finishLinks(scan, groups);
  return { scan, pax, order };
}

/** Differences between two scans, as readable lines (empty when equal on the compared fields). */
export function diffScans(
  a: Scan,
  b: Scan,
  options: {
    fields?: Array<keyof ScanEntry>;
    ignore?: (path: string) => boolean;
    names?: [string, string];
  } = {},
): string[] {
  const fields = options.fields ?? [
    'type',
    'perm',
    'uid',
    'gid',
    'size',
    'target',
    'rdev',
    'xattrs',
    'sha256',
    'links',
  ];
  const [an, bn] = options.names ?? ['a', 'b'];
  const out: string[] = [];
  const ignore = options.ignore ?? (() => false);
  for (const [p, ea] of a) {
    if (ignore(p)) continue;
    const eb = b.get(p);
    if (!eb) {
      out.push(`${p}: only in ${an}`);
      continue;
    }
    for (const f of fields) {
      const va = JSON.stringify(ea[f]);
      const vb = JSON.stringify(eb[f]);
      if (va !== vb) out.push(`${p}: ${f} ${an}=${va} ${bn}=${vb}`);
    }
  }
  for (const p of b.keys()) if (!ignore(p) && !a.has(p)) out.push(`${p}: only in ${bn}`);
  return out;
}
