/**
 * A streaming tar reader for the inspector, the readiness check and the tests: ustar, pax (local and
 * global), GNU long names, base-256 numbers, and sparse files in the GNU 0.0/0.1/1.0 pax forms and the
 * old GNU 'S' header. Member data is streamed (sparse members expanded with their holes as zeros).
 */
import type { DataRun } from '../fs/types';

export type TarMemberType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'other';

export interface TarMember {
  path: string;
  rawPath: Buffer;
  type: TarMemberType;
  typeflag: string;
  perm: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Real size for regular files (sparse files included). */
  size: number;
  mtime: number;
  linkTarget: string;
  devMajor: number;
  devMinor: number;
  xattrs: Map<string, Buffer>;
  aclAccess?: string;
  aclDefault?: string;
  selinux?: string;
  /** Data runs of a sparse member. */
  sparse?: DataRun[];
  /** Every pax record that applied (local over global). */
  pax: Map<string, Buffer>;
  /** Byte offset of the member's header in the (uncompressed) archive. */
  offset: number;
}

export class TarFormatError extends Error {}

const TYPES: Record<string, TarMemberType> = {
  '0': 'file',
  '\0': 'file',
  '7': 'file',
  '1': 'hardlink',
  '2': 'symlink',
  '3': 'char',
  '4': 'block',
  '5': 'dir',
  '6': 'fifo',
};

/** Hands out exact byte counts from an async stream of chunks. */
class ByteReader {
  private chunks: Buffer[] = [];
  private available = 0;
  private done = false;
  position = 0;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  private async fill(n: number): Promise<void> {
    while (this.available < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else if (next.value.length) {
        this.chunks.push(next.value);
        this.available += next.value.length;
      }
    }
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async read(n: number): Promise<Buffer> {
    await this.fill(n);
    const take = Math.min(n, this.available);
    const out =
      this.chunks.length === 1 && this.chunks[0].length === take
        ? this.chunks[0]
        : Buffer.concat(this.chunks).subarray(0, take);
    this.consume(take);
    return out;
  }

  /** Up to `max` bytes that are already buffered (or the next chunk), for streaming data through. */
  async readSome(max: number): Promise<Buffer> {
    await this.fill(1);
    if (!this.available) return Buffer.alloc(0);
    const head = this.chunks[0];
    const take = Math.min(max, head.length);
    const out = head.subarray(0, take);
    this.consume(take);
    return out;
  }

  private consume(n: number): void {
    this.position += n;
    this.available -= n;
    while (n > 0) {
      const head = this.chunks[0];
      if (head.length <= n) {
        n -= head.length;
        this.chunks.shift();
      } else {
        this.chunks[0] = head.subarray(n);
        n = 0;
      }
    }
  }
}

function parseNumber(field: Buffer, what: string, at: number): number {
  if (field[0] & 0x80) {
    // base-256 (GNU): big-endian two's complement with the top bit as marker
    let value = BigInt(field[0] & 0x7f);
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]);
    return Number(value);
  }
  const text = field
    .toString('latin1')
    .replace(/[\0 ].*$/s, '')
    .trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text))
    throw new TarFormatError(`bad ${what} field "${text}" in the header at byte ${at}`);
  return parseInt(text, 8);
}

function cString(field: Buffer): Buffer {
  const nul = field.indexOf(0);
  return nul < 0 ? field : field.subarray(0, nul);
}

/** Parses pax records into a map (values are raw bytes: SCHILY.xattr values may be binary). */
export function parsePax(body: Buffer, at: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let i = 0;
  while (i < body.length) {
    const space = body.indexOf(0x20, i);
    if (space < 0) break;
    const length = Number(body.toString('latin1', i, space));
    if (!Number.isInteger(length) || length <= 0 || i + length > body.length)
      throw new TarFormatError(`bad pax record at byte ${at + i}`);
    const record = body.subarray(space + 1, i + length - 1); // without the trailing newline
    const eq = record.indexOf(0x3d);
    if (eq < 0) throw new TarFormatError(`bad pax record (no "=") at byte ${at + i}`);
    const key = record.toString('utf8', 0, eq);
    const value = Buffer.from(record.subarray(eq + 1));
    if (value.length === 0) out.delete(key);
    else out.set(key, value);
    i += length;
  }
  return out;
}

function padding(size: number): number {
  return (512 - (size % 512)) % 512;
}

export interface TarEntryStream {
  member: TarMember;
  /** The member's data (sparse members expanded); unread data is skipped by the next `next()`. */
  data(): AsyncGenerator<Buffer>;
}

export class TarReader {
  private readonly reader: ByteReader;
  private global = new Map<string, Buffer>();
  private pendingData: { left: number; pad: number } | undefined;
  private finished = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.reader = new ByteReader(source[Symbol.asyncIterator]());
  }

  private async skipPending(): Promise<void> {
    if (!this.pendingData) return;
    let left = this.pendingData.left + this.pendingData.pad;
    while (left > 0) {
      const chunk = await this.reader.readSome(left);
      if (!chunk.length) throw new TarFormatError('the archive ends inside a member (truncated)');
      left -= chunk.length;
    }
    this.pendingData = undefined;
  }

  private async readBody(size: number, what: string): Promise<Buffer> {
    const body = await this.reader.read(size + padding(size));
    if (body.length < size) throw new TarFormatError(`the archive ends inside a ${what} (truncated)`);
    return body.subarray(0, size);
  }

  /** The next member, or undefined at the end of the archive. */
  async next(): Promise<TarEntryStream | undefined> {
    await this.skipPending();
    if (this.finished) return undefined;
    let local = new Map<string, Buffer>();
    let longName: Buffer | undefined;
    let longLink: Buffer | undefined;
    for (;;) {
      const offset = this.reader.position;
      const header = await this.reader.read(512);
      if (header.length === 0) {
        this.finished = true;
        return undefined;
      }
      if (header.length < 512)
        throw new TarFormatError(`the archive ends inside a header at byte ${offset} (truncated)`);
      if (header.every((b) => b === 0)) {
        this.finished = true;
        return undefined;
      }
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
      const stored = parseNumber(header.subarray(148, 156), 'checksum', offset);
      if (stored !== sum)
        throw new TarFormatError(
          `header checksum mismatch at byte ${offset}: not a tar archive, or a corrupt one`,
        );
      const typeflag = String.fromCharCode(header[156]);
      const size = parseNumber(header.subarray(124, 136), 'size', offset);
      if (typeflag === 'x' || typeflag === 'g') {
        const records = parsePax(await this.readBody(size, 'pax header'), offset + 512);
        if (typeflag === 'g') for (const [k, v] of records) this.global.set(k, v);
        else local = new Map([...local, ...records]);
        continue;
      }
      if (typeflag === 'L' || typeflag === 'K') {
        const body = cString(await this.readBody(size, 'GNU long name'));
        if (typeflag === 'L') longName = body;
        else longLink = body;
        continue;
      }
      return this.member(
        header,
        offset,
        typeflag,
        size,
        new Map([...this.global, ...local]),
        longName,
        longLink,
      );
    }
  }

  private async member(
    header: Buffer,
    offset: number,
    typeflag: string,
    size: number,
    pax: Map<string, Buffer>,
    longName: Buffer | undefined,
    longLink: Buffer | undefined,
  ): Promise<TarEntryStream> {
    const ustar = header.toString('latin1', 257, 262) === 'ustar';
    const prefix = ustar ? cString(header.subarray(345, 500)) : Buffer.alloc(0);
    let rawPath = cString(header.subarray(0, 100));
    if (prefix.length && header.toString('latin1', 263, 265) === '00')
      rawPath = Buffer.concat([prefix, Buffer.from('/'), rawPath]);
    rawPath = pax.get('path') ?? longName ?? rawPath;
    let linkRaw = pax.get('linkpath') ?? longLink ?? cString(header.subarray(157, 257));
    const num = (key: string, fallback: number) => {
      const v = pax.get(key);
      return v === undefined ? fallback : Number(v.toString('latin1'));
    };
    const member: TarMember = {
      path: '',
      rawPath,
      type: TYPES[typeflag] ?? (typeflag === 'S' ? 'file' : 'other'),
      typeflag,
      perm: parseNumber(header.subarray(100, 108), 'mode', offset) & 0o7777,
      uid: num('uid', parseNumber(header.subarray(108, 116), 'uid', offset)),
      gid: num('gid', parseNumber(header.subarray(116, 124), 'gid', offset)),
      uname: (pax.get('uname') ?? cString(header.subarray(265, 297))).toString('utf8'),
      gname: (pax.get('gname') ?? cString(header.subarray(297, 329))).toString('utf8'),
      size: num('size', size),
      mtime: Math.floor(num('mtime', parseNumber(header.subarray(136, 148), 'mtime', offset))),
      linkTarget: '',
      devMajor: ustar ? parseNumber(header.subarray(329, 337), 'devmajor', offset) : 0,
      devMinor: ustar ? parseNumber(header.subarray(337, 345), 'devminor', offset) : 0,
      xattrs: new Map(),
      pax,
      offset,
    };
    for (const [key, value] of pax) {
      if (key.startsWith('SCHILY.xattr.')) member.xattrs.set(key.slice('SCHILY.xattr.'.length), value);
      else if (key.startsWith('LIBARCHIVE.xattr.'))
        member.xattrs.set(decodeURIComponent(key.slice(17)), Buffer.from(value.toString('latin1'), 'base64'));
    }
    if (pax.has('SCHILY.acl.access')) member.aclAccess = pax.get('SCHILY.acl.access')?.toString('utf8');
    if (pax.has('SCHILY.acl.default')) member.aclDefault = pax.get('SCHILY.acl.default')?.toString('utf8');
    if (pax.has('RHT.security.selinux')) member.selinux = pax.get('RHT.security.selinux')?.toString('utf8');

    const stored = member.size; // bytes stored in the archive for this member
    let dataSize = stored;
    let mapInData = false;
    const major = pax.get('GNU.sparse.major')?.toString();
    if (typeflag === 'S') {
      member.sparse = await this.oldGnuSparse(header, offset);
      member.size = parseNumber(header.subarray(483, 495), 'realsize', offset);
    } else if (major === '1') {
      mapInData = true;
      member.size = num('GNU.sparse.realsize', stored);
      rawPath = pax.get('GNU.sparse.name') ?? rawPath;
    } else if (pax.has('GNU.sparse.map') || pax.has('GNU.sparse.offset')) {
      member.size = num('GNU.sparse.realsize', num('GNU.sparse.size', stored));
      rawPath = pax.get('GNU.sparse.name') ?? rawPath;
      const numbers = pax.has('GNU.sparse.map')
        ? (pax.get('GNU.sparse.map') as Buffer).toString('latin1').split(',').map(Number)
        : [];
      member.sparse = [];
      for (let i = 0; i + 1 < numbers.length; i += 2)
        member.sparse.push({ offset: numbers[i], length: numbers[i + 1] });
    }
    if (member.type === 'hardlink' || member.type === 'symlink')
      dataSize = typeflag === '1' || typeflag === '2' ? 0 : dataSize;
    if (member.type === 'dir' || member.type === 'char' || member.type === 'block' || member.type === 'fifo')
      dataSize = 0;
    if (member.type === 'hardlink' || member.type === 'symlink') member.size = 0;
    member.rawPath = rawPath;
    member.path = rawPath.toString('utf8');
    linkRaw = linkRaw ?? Buffer.alloc(0);
    member.linkTarget = linkRaw.toString('utf8');

    if (mapInData) {
      // GNU sparse 1.0: the map is the start of the data, in decimal lines, padded to 512.
      const { runs, consumed } = await this.sparseMapFromData();
      member.sparse = runs;
      dataSize = stored - consumed;
    }
    this.pendingData = { left: dataSize, pad: padding(mapInData ? stored : dataSize) };
    const reader = this.reader;
    const pending = this.pendingData;
    async function* raw(): AsyncGenerator<Buffer> {
      while (pending.left > 0) {
        const chunk = await reader.readSome(pending.left);
        if (!chunk.length) throw new TarFormatError(`the archive ends inside ${member.path} (truncated)`);
        pending.left -= chunk.length;
        yield chunk;
      }
    }
    async function* data(): AsyncGenerator<Buffer> {
      if (!member.sparse) {
        yield* raw();
        return;
      }
      let position = 0;
      const source = raw();
      let carry: Buffer = Buffer.alloc(0);
      for (const run of member.sparse) {
        if (run.offset > position) {
          yield* zeros(run.offset - position);
          position = run.offset;
        }
        let need = run.length;
        while (need > 0) {
          if (!carry.length) {
            const next = await source.next();
            if (next.done)
              throw new TarFormatError(`sparse member ${member.path} has less data than its map`);
            carry = next.value;
          }
          const take = carry.subarray(0, Math.min(need, carry.length));
          carry = carry.subarray(take.length);
          need -= take.length;
          position += take.length;
          yield take;
        }
      }
      if (member.size > position) yield* zeros(member.size - position);
    }
    return { member, data };
  }

  private async sparseMapFromData(): Promise<{ runs: DataRun[]; consumed: number }> {
    let text = '';
    let consumed = 0;
    const numbers: number[] = [];
    let count = -1;
    while (count < 0 || numbers.length < count * 2) {
      const block = await this.reader.read(512);
      if (block.length < 512) throw new TarFormatError('the archive ends inside a sparse map (truncated)');
      consumed += 512;
      text += block.toString('latin1');
      const lines = text.split('\n');
      text = lines.pop() ?? '';
      for (const line of lines) {
        if (count < 0) count = Number(line);
        else numbers.push(Number(line));
      }
    }
    const runs: DataRun[] = [];
    for (let i = 0; i < count; i++) runs.push({ offset: numbers[2 * i], length: numbers[2 * i + 1] });
    return { runs, consumed };
  }

  private async oldGnuSparse(header: Buffer, offset: number): Promise<DataRun[]> {
    const runs: DataRun[] = [];
    const take = (block: Buffer, at: number, count: number) => {
      for (let i = 0; i < count; i++) {
        const o = parseNumber(block.subarray(at + i * 24, at + i * 24 + 12), 'sparse offset', offset);
        const l = parseNumber(block.subarray(at + i * 24 + 12, at + i * 24 + 24), 'sparse length', offset);
        if (o === 0 && l === 0 && block[at + i * 24] === 0) continue;
        runs.push({ offset: o, length: l });
      }
    };
    take(header, 386, 4);
    let extended = header[482];
    while (extended) {
      const block = await this.reader.read(512);
      if (block.length < 512) throw new TarFormatError('the archive ends inside a sparse header (truncated)');
      take(block, 0, 21);
      extended = block[504];
    }
    return runs;
  }
}

const ZERO_CHUNK = Buffer.alloc(256 * 1024);
function* zeros(n: number): Generator<Buffer> {
  while (n > 0) {
    const k = Math.min(n, ZERO_CHUNK.length);
    yield ZERO_CHUNK.subarray(0, k);
    n -= k;
  }
}
