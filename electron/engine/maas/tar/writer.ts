/**
 * Kiln's tar writer: POSIX ustar headers with pax extended headers where ustar cannot say it (long
 * names and link targets, large ids and sizes, xattrs as `SCHILY.xattr.*`, ACLs as `SCHILY.acl.*`,
 * SELinux labels as `RHT.security.selinux`, as GNU tar writes them), GNU sparse format 1.0 for files
 * with holes, hard links, devices and FIFOs. Owners are numeric (`tar --numeric-owner`: no names).
 */
import type { ByteSink } from '../compress/sink';
import type { DataRun } from '../fs/types';

export type TarEntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo';

export interface TarEntry {
  /** The member name as bytes, e.g. `./etc/hostname` (directories without the trailing slash). */
  path: Buffer;
  type: TarEntryType;
  perm: number;
  uid: number;
  gid: number;
  mtime: number;
  /** Regular files: the real size (sparse or not). */
  size?: number;
  /** Symlink target or, for hard links, the member name linked to. */
  linkTarget?: Buffer;
  devMajor?: number;
  devMinor?: number;
  /** Extended attributes, written as `SCHILY.xattr.<name>`. */
  xattrs?: ReadonlyMap<string, Buffer>;
  /** ACL text forms (`SCHILY.acl.access`, `SCHILY.acl.default`). */
  aclAccess?: string;
  aclDefault?: string;
  /** SELinux context (`RHT.security.selinux`, as GNU tar --selinux writes it). */
  selinux?: string;
  /** Regular files with holes: the data runs (GNU sparse 1.0); the data written is the runs' bytes only. */
  sparse?: readonly DataRun[];
}

const TYPEFLAG: Record<TarEntryType, string> = {
  file: '0',
  hardlink: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};

const MAX_OCTAL_8 = 0o7777777;
const MAX_OCTAL_12 = 0o77777777777;

function octal(block: Buffer, at: number, width: number, value: number): void {
  block.write(value.toString(8).padStart(width - 1, '0'), at, width - 1, 'latin1');
  block[at + width - 1] = 0;
}

/** A pax record: "<length> <key>=<value>\n" where length counts the whole record. */
export function paxRecord(key: string, value: Buffer | string): Buffer {
  const body = Buffer.concat([
    Buffer.from(` ${key}=`, 'utf8'),
    Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'),
    Buffer.from('\n'),
  ]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

function dirname(path: Buffer): Buffer {
  const slash = path.lastIndexOf(0x2f);
  return slash < 0 ? Buffer.from('.') : path.subarray(0, slash);
}

function basename(path: Buffer): Buffer {
  const slash = path.lastIndexOf(0x2f);
  return slash < 0 ? path : path.subarray(slash + 1);
}

/** Splits a name into ustar prefix (≤155) and name (≤100) at a slash, when it can. */
function splitUstar(name: Buffer): { prefix: Buffer; name: Buffer } | undefined {
  if (name.length <= 100) return { prefix: Buffer.alloc(0), name };
  for (let i = Math.min(name.length - 1, 155); i > 0; i--) {
    if (name[i] === 0x2f && name.length - i - 1 <= 100 && name.length - i - 1 > 0)
      return { prefix: name.subarray(0, i), name: name.subarray(i + 1) };
  }
  return undefined;
}

function isUtf8(bytes: Buffer): boolean {
  return Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
}

interface HeaderFields {
  name: Buffer;
  typeflag: string;
  perm: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname?: Buffer;
  devMajor?: number;
  devMinor?: number;
}

function ustarHeader(f: HeaderFields): Buffer {
  const block = Buffer.alloc(512);
  const split = splitUstar(f.name) ?? { prefix: Buffer.alloc(0), name: f.name.subarray(0, 100) };
  split.name.copy(block, 0, 0, Math.min(100, split.name.length));
  octal(block, 100, 8, f.perm & 0o7777);
  octal(block, 108, 8, f.uid > MAX_OCTAL_8 ? 0 : f.uid);
  octal(block, 116, 8, f.gid > MAX_OCTAL_8 ? 0 : f.gid);
  octal(block, 124, 12, f.size > MAX_OCTAL_12 ? 0 : f.size);
  octal(block, 136, 12, f.mtime < 0 || f.mtime > MAX_OCTAL_12 ? 0 : f.mtime);
  block.fill(0x20, 148, 156);
  block.write(f.typeflag, 156, 1, 'latin1');
  if (f.linkname) f.linkname.copy(block, 157, 0, Math.min(100, f.linkname.length));
  block.write('ustar\x0000', 257, 8, 'latin1');
  octal(block, 329, 8, Math.min(f.devMajor ?? 0, MAX_OCTAL_8));
  octal(block, 337, 8, Math.min(f.devMinor ?? 0, MAX_OCTAL_8));
  split.prefix.copy(block, 345, 0, Math.min(155, split.prefix.length));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += block[i];
  block.write(sum.toString(8).padStart(6, '0'), 148, 6, 'latin1');
  block[154] = 0;
  block[155] = 0x20;
  return block;
}

function padding(size: number): number {
  return (512 - (size % 512)) % 512;
}

/** The GNU sparse 1.0 map: count, then offset/length pairs, one number per line, padded to 512. */
export function sparseMap(runs: readonly DataRun[], realSize: number): Buffer {
  const list = runs.filter((r) => r.length > 0).map((r) => [r.offset, r.length]);
  const last = list[list.length - 1];
  if (!last || last[0] + last[1] < realSize) list.push([realSize, 0]); // a trailing hole ends the map
  const text = `${list.length}\n${list.map(([o, l]) => `${o}\n${l}\n`).join('')}`;
  const bytes = Buffer.from(text, 'latin1');
  return Buffer.concat([bytes, Buffer.alloc(padding(bytes.length))]);
}

export class TarWriter {
  private remaining = 0;
  private written = 0;
  private dataSize = 0;
  private open = false;
  /** Total bytes of the archive so far. */
  bytes = 0;

  constructor(private readonly sink: ByteSink) {}

  private async emit(chunk: Buffer): Promise<void> {
    this.bytes += chunk.length;
    await this.sink.write(chunk);
  }

  /**
   * Writes the headers of one member. For regular files the caller then writes exactly the data bytes
   * (for sparse files: the bytes of each run in order) with `writeData`, then calls `endEntry`.
   */
  async begin(entry: TarEntry): Promise<void> {
    if (this.open) throw new Error('tar: begin() before the previous entry ended');
    const records: Buffer[] = [];
    const typeflag = TYPEFLAG[entry.type];
    let name = entry.path;
    if (entry.type === 'dir' && name[name.length - 1] !== 0x2f)
      name = Buffer.concat([name, Buffer.from('/')]);
    let dataSize = 0;
    let map: Buffer | undefined;
    if (entry.type === 'file') {
      const size = entry.size ?? 0;
      if (entry.sparse && entry.sparse.reduce((n, r) => n + r.length, 0) < size) {
        map = sparseMap(entry.sparse, size);
        dataSize = map.length + entry.sparse.reduce((n, r) => n + r.length, 0);
        records.push(paxRecord('GNU.sparse.major', '1'), paxRecord('GNU.sparse.minor', '0'));
        records.push(
          paxRecord('GNU.sparse.name', entry.path),
          paxRecord('GNU.sparse.realsize', String(size)),
        );
        name = Buffer.concat([dirname(entry.path), Buffer.from('/GNUSparseFile.0/'), basename(entry.path)]);
      } else dataSize = size;
    }
    if (!splitUstar(name)) records.push(paxRecord('path', name));
    if (!map && !isUtf8(name) && records.length) records.unshift(paxRecord('hdrcharset', 'BINARY'));
    const link = entry.linkTarget;
    if (link && link.length > 100) records.push(paxRecord('linkpath', link));
    if (entry.uid > MAX_OCTAL_8) records.push(paxRecord('uid', String(entry.uid)));
    if (entry.gid > MAX_OCTAL_8) records.push(paxRecord('gid', String(entry.gid)));
    if (dataSize > MAX_OCTAL_12) records.push(paxRecord('size', String(dataSize)));
    if (entry.mtime < 0 || entry.mtime > MAX_OCTAL_12) records.push(paxRecord('mtime', String(entry.mtime)));
    if (entry.aclAccess) records.push(paxRecord('SCHILY.acl.access', entry.aclAccess));
    if (entry.aclDefault) records.push(paxRecord('SCHILY.acl.default', entry.aclDefault));
    if (entry.selinux !== undefined) records.push(paxRecord('RHT.security.selinux', entry.selinux));
    for (const [key, value] of entry.xattrs ?? []) records.push(paxRecord(`SCHILY.xattr.${key}`, value));

    if (records.length) {
      const body = Buffer.concat(records);
      const paxName = Buffer.concat([dirname(entry.path), Buffer.from('/PaxHeaders/'), basename(entry.path)]);
      await this.emit(
        ustarHeader({
          name: paxName.subarray(0, 100),
          typeflag: 'x',
          perm: 0o644,
          uid: 0,
          gid: 0,
          size: body.length,
          mtime: Math.max(0, Math.min(entry.mtime, MAX_OCTAL_12)),
        }),
      );
      await this.emit(Buffer.concat([body, Buffer.alloc(padding(body.length))]));
    }
    await this.emit(
      ustarHeader({
        name,
        typeflag,
        perm: entry.perm,
        uid: entry.uid,
        gid: entry.gid,
        size: dataSize,
        mtime: entry.mtime,
        linkname: link,
        devMajor: entry.devMajor,
        devMinor: entry.devMinor,
      }),
    );
    this.open = true;
    this.dataSize = dataSize;
    this.written = 0;
    this.remaining = dataSize;
    if (map) await this.writeData(map);
  }

  async writeData(chunk: Buffer): Promise<void> {
    if (!this.open || chunk.length > this.remaining)
      throw new Error(`tar: ${chunk.length} bytes of data where ${this.remaining} remain`);
    this.remaining -= chunk.length;
    this.written += chunk.length;
    await this.emit(chunk);
  }

  async writeZeros(n: number): Promise<void> {
    if (!this.open || n > this.remaining)
      throw new Error(`tar: ${n} bytes of data where ${this.remaining} remain`);
    this.remaining -= n;
    this.written += n;
    this.bytes += n;
    await this.sink.writeZeros(n);
  }

  async end(): Promise<void> {
    if (!this.open) throw new Error('tar: end() without begin()');
    if (this.remaining)
      throw new Error(
        `tar: entry ended with ${this.remaining} of ${this.dataSize} data bytes missing (the file changed or a read came up short)`,
      );
    this.open = false;
    const pad = padding(this.written);
    if (pad) await this.emit(Buffer.alloc(pad));
  }

  /** A member with no data (directories, links, devices, FIFOs, empty files). */
  async add(entry: TarEntry): Promise<void> {
    await this.begin(entry);
    await this.end();
  }

  /** The end-of-archive marker: two zero blocks (GNU tar pads to its 10 KiB record; not needed). */
  async finish(): Promise<void> {
    await this.emit(Buffer.alloc(1024));
  }
}
