/**
 * qcow2 (versions 2 and 3) read by Kiln itself: header and extensions, L1/L2 tables (standard and
 * extended L2 with subclusters), zero clusters, deflate- and zstd-compressed clusters, and backing
 * chains (the overlay packer-maas's cloudimg builds leave, on top of a compressed cloud image).
 * Read-only; encryption and external data files are refused with a clear message.
 */
import path from 'node:path';
import zlib from 'node:zlib';
import { DeviceError, checkRange, mergeExtents, type BlockDevice, type DeviceExtent } from './device';
import { ImageFile } from './file';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

const INCOMPAT_DIRTY = 1n << 0n;
const INCOMPAT_CORRUPT = 1n << 1n;
const INCOMPAT_DATA_FILE = 1n << 2n;
const INCOMPAT_COMPRESSION = 1n << 3n;
const INCOMPAT_EXTL2 = 1n << 4n;
const KNOWN_INCOMPAT =
  INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;

const EXT_END = 0;
const EXT_BACKING_FORMAT = 0xe2792aca;

export interface Qcow2Header {
  version: number;
  clusterBits: number;
  size: number;
  l1Size: number;
  l1Offset: number;
  backingFile?: string;
  backingFormat?: string;
  compression: 'deflate' | 'zstd';
  extendedL2: boolean;
  dirty: boolean;
  corrupt: boolean;
}

/** Opens a backing file (by path and optional format); injected to avoid a cycle with open.ts. */
export type BackingOpener = (
  file: string,
  format: string | undefined,
  chain: string[],
) => Promise<BlockDevice>;

function u64(buf: Buffer, at: number): number {
  const value = buf.readBigUInt64BE(at);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DeviceError(`value ${value} at ${at} is too large`);
  return Number(value);
}

export function parseQcow2Header(head: Buffer, where: string): Qcow2Header {
  if (head.length < 72 || head.readUInt32BE(0) !== QCOW2_MAGIC)
    throw new DeviceError(`${where} is not a qcow2 image`);
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3)
    throw new DeviceError(`${where}: qcow2 version ${version} is not supported (2 and 3 are)`);
  const backingOffset = u64(head, 8);
  const backingSize = head.readUInt32BE(16);
  const clusterBits = head.readUInt32BE(20);
  if (clusterBits < 9 || clusterBits > 21)
    throw new DeviceError(`${where}: invalid qcow2 cluster size 2^${clusterBits}`);
  const cryptMethod = head.readUInt32BE(32);
  if (cryptMethod !== 0) {
    throw new DeviceError(
      `${where} is an encrypted qcow2 image (method ${cryptMethod}); decrypt it first (qemu-img convert -O qcow2 with --object secret,...)`,
    );
  }
  let incompat = 0n;
  let headerLength = 72;
  let compressionType = 0;
  if (version === 3) {
    incompat = head.readBigUInt64BE(72);
    headerLength = head.readUInt32BE(100);
    if (headerLength > 104 && head.length > 104) compressionType = head[104];
  }
  const unknown = incompat & ~KNOWN_INCOMPAT;
  if (unknown)
    throw new DeviceError(
      `${where}: qcow2 uses incompatible features Kiln does not know (bits 0x${unknown.toString(16)})`,
    );
  if (incompat & INCOMPAT_DATA_FILE) {
    throw new DeviceError(
      `${where} keeps its data in an external data file, which Kiln does not read; convert it with qemu-img convert -O qcow2`,
    );
  }
  if (compressionType > 1)
    throw new DeviceError(`${where}: unknown qcow2 compression type ${compressionType}`);
  const header: Qcow2Header = {
    version,
    clusterBits,
    size: u64(head, 24),
    l1Size: head.readUInt32BE(36),
    l1Offset: u64(head, 40),
    compression: compressionType === 1 ? 'zstd' : 'deflate',
    extendedL2: Boolean(incompat & INCOMPAT_EXTL2),
    dirty: Boolean(incompat & INCOMPAT_DIRTY),
    corrupt: Boolean(incompat & INCOMPAT_CORRUPT),
  };
  if (backingOffset && backingSize) {
    if (backingOffset + backingSize > head.length)
      throw new DeviceError(`${where}: backing file name lies outside the header cluster`);
    header.backingFile = head.toString('utf8', backingOffset, backingOffset + backingSize);
  }
  // Header extensions: type, length, data padded to 8 bytes, until type 0.
  let at = version === 3 ? headerLength : 72;
  while (at + 8 <= head.length) {
    const type = head.readUInt32BE(at);
    const length = head.readUInt32BE(at + 4);
    if (type === EXT_END) break;
    if (at + 8 + length > head.length) break;
    if (type === EXT_BACKING_FORMAT) header.backingFormat = head.toString('utf8', at + 8, at + 8 + length);
    at += 8 + Math.ceil(length / 8) * 8;
  }
  return header;
}

/** A small least-recently-used cache. */
class Lru<V> {
  private readonly map = new Map<number, V>();
  constructor(private readonly capacity: number) {}
  get(key: number): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: number, value: V): void {
    this.map.set(key, value);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as number);
  }
}

/** Where a (sub)cluster's bytes come from. */
type Source =
  | { kind: 'host'; offset: number }
  | { kind: 'zero' }
  | { kind: 'backing' }
  | { kind: 'compressed'; offset: number; length: number };

type ZstdDecompress = (data: Buffer) => Buffer;
const zstdDecompressSync = (zlib as unknown as { zstdDecompressSync?: ZstdDecompress }).zstdDecompressSync;

export class Qcow2Device implements BlockDevice {
  readonly size: number;
  readonly description: string;
  readonly header: Qcow2Header;
  private readonly clusterSize: number;
  private readonly subclusterSize: number;
  private readonly subclusterBits: number;
  private readonly l2Entries: number;
  private readonly l2EntryBytes: number;
  private l1: Buffer = Buffer.alloc(0);
  private readonly l2Cache = new Lru<Buffer>(256);
  private readonly clusterCache = new Lru<Buffer>(64);
  private backing: BlockDevice | undefined;

  private constructor(
    private readonly file: ImageFile,
    header: Qcow2Header,
  ) {
    this.header = header;
    this.size = header.size;
    this.description = `qcow2 image ${file.path}`;
    this.clusterSize = 2 ** header.clusterBits;
    this.l2EntryBytes = header.extendedL2 ? 16 : 8;
    this.l2Entries = this.clusterSize / this.l2EntryBytes;
    this.subclusterBits = header.extendedL2 ? header.clusterBits - 5 : header.clusterBits;
    this.subclusterSize = 2 ** this.subclusterBits;
  }

  static async open(
    imagePath: string,
    openBacking: BackingOpener,
    chain: string[] = [],
  ): Promise<Qcow2Device> {
    const file = new ImageFile(imagePath);
    try {
      const first = Buffer.alloc(Math.min(65536, Math.max(512, file.size)));
      file.read(first, 0, first.length, 0);
      const clusterBits = first.readUInt32BE(20);
      let head = first;
      if (clusterBits >= 9 && clusterBits <= 21 && 2 ** clusterBits > first.length) {
        head = Buffer.alloc(2 ** clusterBits);
        file.read(head, 0, head.length, 0);
      }
      const header = parseQcow2Header(head, imagePath);
      const device = new Qcow2Device(file, header);
      const l1Bytes = header.l1Size * 8;
      if (header.l1Offset + l1Bytes > file.size)
        throw new DeviceError(`${imagePath}: the L1 table lies past the end of the file (truncated image?)`);
      device.l1 = Buffer.alloc(l1Bytes);
      file.read(device.l1, 0, l1Bytes, header.l1Offset);
      if (header.backingFile) {
        const backingPath = path.isAbsolute(header.backingFile)
          ? header.backingFile
          : path.join(path.dirname(imagePath), header.backingFile);
        if (chain.includes(path.resolve(backingPath))) {
          throw new DeviceError(`${imagePath}: its backing chain loops back to ${backingPath}`);
        }
        try {
          device.backing = await openBacking(backingPath, header.backingFormat, [
            ...chain,
            path.resolve(imagePath),
          ]);
        } catch (err) {
          throw new DeviceError(
            `${imagePath}: cannot open its backing file ${header.backingFile}: ${(err as Error).message}`,
          );
        }
      }
      return device;
    } catch (err) {
      file.close();
      throw err;
    }
  }

  /** The chain of files this image reads, overlay first (for messages and the inspector). */
  get backingDevice(): BlockDevice | undefined {
    return this.backing;
  }

  private l2Table(l1Index: number): Buffer | undefined {
    if (l1Index >= this.header.l1Size) return undefined;
    const hi = this.l1.readUInt32BE(l1Index * 8);
    const lo = this.l1.readUInt32BE(l1Index * 8 + 4);
    const offset = (hi & 0x00ffffff) * 2 ** 32 + ((lo & ~0x1ff) >>> 0);
    if (offset === 0) return undefined;
    let table = this.l2Cache.get(offset);
    if (!table) {
      if (offset + this.clusterSize > this.file.size) {
        throw new DeviceError(
          `${this.description}: an L2 table at ${offset} lies past the end of the file (truncated image?)`,
        );
      }
      table = Buffer.allocUnsafe(this.clusterSize);
      this.file.read(table, 0, this.clusterSize, offset);
      this.l2Cache.set(offset, table);
    }
    return table;
  }

  /** Where subcluster `sub` of guest cluster `cluster` lives. */
  private source(cluster: number, sub: number): Source {
    const l2bits = this.header.clusterBits - (this.header.extendedL2 ? 4 : 3);
    const table = this.l2Table(Math.floor(cluster / 2 ** l2bits));
    if (!table) return { kind: 'backing' };
    const at = (cluster % this.l2Entries) * this.l2EntryBytes;
    const hi = table.readUInt32BE(at);
    const lo = table.readUInt32BE(at + 4);
    if (hi & 0x40000000) {
      const x = 62 - (this.header.clusterBits - 8);
      const offset = (hi & ((1 << (x - 32)) - 1)) * 2 ** 32 + lo;
      const sectors = ((hi >>> (x - 32)) & ((1 << (62 - x)) - 1)) + 1;
      return { kind: 'compressed', offset, length: sectors * 512 - (offset % 512) };
    }
    const host = (hi & 0x00ffffff) * 2 ** 32 + ((lo & ~0x1ff) >>> 0);
    if (this.header.extendedL2) {
      const bitmapLo = table.readUInt32BE(at + 12); // allocation bits 0-31
      const bitmapHi = table.readUInt32BE(at + 8); // zero bits 32-63
      if ((bitmapHi >>> sub) & 1) return { kind: 'zero' };
      if ((bitmapLo >>> sub) & 1) return { kind: 'host', offset: host + sub * this.subclusterSize };
      return { kind: 'backing' };
    }
    if (this.header.version >= 3 && lo & 1) return { kind: 'zero' };
    if (host === 0) return { kind: 'backing' };
    return { kind: 'host', offset: host };
  }

  private decompress(src: { offset: number; length: number }): Buffer {
    let cluster = this.clusterCache.get(src.offset);
    if (cluster) return cluster;
    const length = Math.min(src.length, this.file.size - src.offset);
    if (length <= 0)
      throw new DeviceError(
        `${this.description}: a compressed cluster at ${src.offset} lies past the end of the file`,
      );
    const compressed = Buffer.allocUnsafe(length);
    this.file.read(compressed, 0, length, src.offset);
    try {
      if (this.header.compression === 'zstd') {
        if (!zstdDecompressSync) {
          throw new DeviceError(
            `${this.description} has zstd-compressed clusters and this Node (${process.version}) has no zstd; use Node 22.15+ or Kiln's qemu-nbd reader (--reader qemu-nbd)`,
          );
        }
        cluster = zstdDecompressSync(compressed);
      } else {
        cluster = zlib.inflateRawSync(compressed, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
      }
    } catch (err) {
      if (err instanceof DeviceError) throw err;
      throw new DeviceError(
        `${this.description}: the compressed cluster at ${src.offset} is corrupt: ${(err as Error).message}`,
      );
    }
    if (cluster.length < this.clusterSize) {
      throw new DeviceError(
        `${this.description}: the compressed cluster at ${src.offset} inflates to ${cluster.length} bytes, not ${this.clusterSize}`,
      );
    }
    if (cluster.length > this.clusterSize) cluster = cluster.subarray(0, this.clusterSize);
    this.clusterCache.set(src.offset, cluster);
    return cluster;
  }

  private async readBacking(
    buffer: Buffer,
    position: number,
    length: number,
    bufferOffset: number,
  ): Promise<void> {
    const backing = this.backing;
    const inside = backing ? Math.max(0, Math.min(length, backing.size - position)) : 0;
    if (backing && inside > 0) await backing.read(buffer, position, inside, bufferOffset);
    if (inside < length) buffer.fill(0, bufferOffset + inside, bufferOffset + length);
  }

  async read(buffer: Buffer, position: number, length = buffer.length, bufferOffset = 0): Promise<void> {
    checkRange(this, position, length);
    const end = position + length;
    let pos = position;
    // A pending run of host reads at contiguous offsets, issued as one read.
    let runHost = -1;
    let runStart = 0;
    let runLength = 0;
    const flush = () => {
      if (!runLength) return;
      if (runHost + runLength > this.file.size) {
        throw new DeviceError(
          `${this.description}: a data cluster at ${runHost} lies past the end of the file (${this.file.size} bytes); the image is truncated`,
        );
      }
      this.file.read(buffer, bufferOffset + (runStart - position), runLength, runHost);
      runLength = 0;
    };
    while (pos < end) {
      const cluster = Math.floor(pos / this.clusterSize);
      const inCluster = pos - cluster * this.clusterSize;
      const sub = inCluster >>> this.subclusterBits;
      const inSub = inCluster - sub * this.subclusterSize;
      const src = this.source(cluster, sub);
      const piece =
        src.kind === 'compressed'
          ? Math.min(this.clusterSize - inCluster, end - pos)
          : Math.min(this.subclusterSize - inSub, end - pos);
      const at = bufferOffset + (pos - position);
      if (src.kind === 'host') {
        const host = src.offset + inSub;
        if (runLength && runHost + runLength === host) runLength += piece;
        else {
          flush();
          runHost = host;
          runStart = pos;
          runLength = piece;
        }
      } else {
        flush();
        if (src.kind === 'zero') buffer.fill(0, at, at + piece);
        else if (src.kind === 'compressed')
          this.decompress(src).copy(buffer, at, inCluster, inCluster + piece);
        else await this.readBacking(buffer, pos, piece, at);
      }
      pos += piece;
    }
    flush();
  }

  async extents(position: number, length: number): Promise<DeviceExtent[]> {
    checkRange(this, position, length);
    const out: DeviceExtent[] = [];
    const end = position + length;
    // Consecutive clusters that fall through to the backing file are asked about in one call.
    let backingStart = -1;
    const flushBacking = async (upTo: number) => {
      if (backingStart < 0) return;
      const inside = this.backing ? Math.max(0, Math.min(upTo, this.backing.size) - backingStart) : 0;
      if (inside > 0 && this.backing) out.push(...(await this.backing.extents(backingStart, inside)));
      if (backingStart + inside < upTo)
        out.push({ offset: backingStart + inside, length: upTo - backingStart - inside, kind: 'zero' });
      backingStart = -1;
    };
    let pos = position;
    while (pos < end) {
      const cluster = Math.floor(pos / this.clusterSize);
      const inCluster = pos - cluster * this.clusterSize;
      const sub = inCluster >>> this.subclusterBits;
      const src = this.source(cluster, sub);
      const piece =
        src.kind === 'compressed'
          ? Math.min(this.clusterSize - inCluster, end - pos)
          : Math.min(this.subclusterSize - (inCluster - sub * this.subclusterSize), end - pos);
      if (src.kind === 'backing') {
        if (backingStart < 0) backingStart = pos;
      } else {
        await flushBacking(pos);
        out.push({ offset: pos, length: piece, kind: src.kind === 'zero' ? 'zero' : 'data' });
      }
      pos += piece;
    }
    await flushBacking(end);
    return mergeExtents(out);
  }

  async close(): Promise<void> {
    this.file.close();
    await this.backing?.close();
  }
}
