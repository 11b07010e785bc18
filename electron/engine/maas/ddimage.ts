/**
 * Whole-disk images for MAAS (`ddraw`, `ddgz`, `ddxz`, `ddbz2`, and the tarred `ddtar`, `ddtgz`,
 * `ddtbz`, `ddtxz`), from a qcow2 or raw disk, streamed. Holes cost nothing: unallocated qcow2 clusters
 * are never read, zero runs in raw disks are found by content, gzip reuses one precompressed zero block,
 * and a `ddraw` output file keeps them as holes.
 *
 * What curtin does with each (reference notes §3.1): `dd-gz` → zcat, `dd-xz` → xzcat, `dd-bz2` → bzcat,
 * `dd-tgz`/`dd-tbz`/`dd-txz`/`dd-tar` → `tar -xO` (every member to stdout: so exactly one member),
 * `dd-raw` → as is. Then it looks for a partition with a top-level `curtin/` directory (the readiness
 * check says when there is none). The tarred member is written dense, not as a GNU sparse member: any
 * tar (busybox's too) then unpacks it, and the zero runs still cost nothing once compressed; the
 * uncompressed `ddtar` and `ddraw` files keep them as holes on disk.
 */
import type { BlockDevice } from './disk/device';
import { openDisk, type OpenDiskOptions } from './disk/open';
import { CountingSink, FileSink, type ByteSink, type FileSinkResult } from './compress/sink';
import { compressedSink, type ArtifactProgress, type ArtifactResult } from './rootfs';
import { TarWriter } from './tar/writer';

export type DiskImageFiletype = 'ddraw' | 'ddgz' | 'ddxz' | 'ddbz2' | 'ddtar' | 'ddtgz' | 'ddtbz' | 'ddtxz';
export const DISK_IMAGE_FILETYPES: readonly DiskImageFiletype[] = [
  'ddraw',
  'ddgz',
  'ddxz',
  'ddbz2',
  'ddtar',
  'ddtgz',
  'ddtbz',
  'ddtxz',
];

const LAYOUT: Record<DiskImageFiletype, { tar: boolean; compression: 'gzip' | 'bzip2' | 'xz' | 'none' }> = {
  ddraw: { tar: false, compression: 'none' },
  ddgz: { tar: false, compression: 'gzip' },
  ddxz: { tar: false, compression: 'xz' },
  ddbz2: { tar: false, compression: 'bzip2' },
  ddtar: { tar: true, compression: 'none' },
  ddtgz: { tar: true, compression: 'gzip' },
  ddtbz: { tar: true, compression: 'bzip2' },
  ddtxz: { tar: true, compression: 'xz' },
};

export interface DiskImageOptions extends OpenDiskOptions {
  level?: number;
  /** Name of the single member of the tarred types (default `disk.img`). */
  memberName?: string;
  signal?: AbortSignal;
  onProgress?: (progress: ArtifactProgress) => void;
}

const WINDOW = 256 * 1024 * 1024;
const CHUNK = 1024 * 1024;
const ZERO_CHUNK = Buffer.alloc(CHUNK);

/** Streams a device's bytes into `out` (data or zeros), reporting the bytes done. */
export async function streamDevice(
  device: BlockDevice,
  out: Pick<ByteSink, 'write' | 'writeZeros'>,
  signal?: AbortSignal,
  onBytes?: (done: number) => void,
): Promise<void> {
  let done = 0;
  for (let window = 0; window < device.size; window += WINDOW) {
    const extents = await device.extents(window, Math.min(WINDOW, device.size - window));
    for (const extent of extents) {
      if (extent.kind === 'zero') {
        await out.writeZeros(extent.length);
        done += extent.length;
        onBytes?.(done);
        continue;
      }
      for (let at = 0; at < extent.length; at += CHUNK) {
        if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('cancelled');
        const n = Math.min(CHUNK, extent.length - at);
        const buffer = Buffer.allocUnsafe(n);
        await device.read(buffer, extent.offset + at, n, 0);
        // Raw images cannot say where their holes are; zero chunks found by content are just as cheap.
        if (n === CHUNK ? buffer.equals(ZERO_CHUNK) : buffer.equals(ZERO_CHUNK.subarray(0, n)))
          await out.writeZeros(n);
        else await out.write(buffer);
        done += n;
        onBytes?.(done);
      }
    }
  }
}

export async function makeDiskImage(
  diskPath: string,
  outputPath: string,
  filetype: DiskImageFiletype,
  options: DiskImageOptions = {},
): Promise<ArtifactResult> {
  const started = performance.now();
  const layout = LAYOUT[filetype];
  const device = await openDisk(diskPath, options);
  let sink: ByteSink | undefined;
  try {
    const file = new FileSink(outputPath, { sparse: layout.compression === 'none' });
    sink = file;
    const counting = new CountingSink(compressedSink(file, layout.compression, options.level));
    sink = counting;
    let lastReport = 0;
    const onBytes = (done: number) => {
      if (options.onProgress && done - lastReport >= 64 * 1024 * 1024) {
        lastReport = done;
        options.onProgress({ done, total: device.size });
      }
    };
    if (layout.tar) {
      const tar = new TarWriter(counting);
      await tar.begin({
        path: Buffer.from(options.memberName ?? 'disk.img'),
        type: 'file',
        perm: 0o644,
        uid: 0,
        gid: 0,
        mtime: Math.floor(Date.now() / 1000),
        size: device.size,
      });
      const member = { write: (c: Buffer) => tar.writeData(c), writeZeros: (n: number) => tar.writeZeros(n) };
      await streamDevice(device, member, options.signal, onBytes);
      await tar.end();
      await tar.finish();
    } else await streamDevice(device, counting, options.signal, onBytes);
    await counting.end();
    options.onProgress?.({ done: device.size, total: device.size });
    return {
      ...(file.result as FileSinkResult),
      filetype,
      rawBytes: counting.bytes,
      notes: [],
      seconds: (performance.now() - started) / 1000,
    };
  } catch (err) {
    await sink?.abort().catch(() => undefined);
    throw err;
  } finally {
    await device.close();
  }
}
