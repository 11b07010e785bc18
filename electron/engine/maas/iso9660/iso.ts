/**
 * ISO 9660 read by Kiln: the volume descriptors (primary, Joliet supplementary, El Torito boot record,
 * 9660:1999), directory records with Rock Ridge (SUSP SP/CE, PX, NM, SL, TF, PN) or Joliet names, and
 * the El Torito boot catalog. It serves the inspector, and prints what `isoinfo -d`, `-f` and `-l`
 * print (with `-R` or `-J`), byte for byte on the ISOs genisoimage and xorriso make.
 */
import { DeviceError } from '../disk/device';
import { ImageFile } from '../disk/file';

const SECTOR = 2048;

export type IsoNames = 'iso' | 'rock-ridge' | 'joliet';

export interface IsoDirectoryRecord {
  /** The name as the chosen naming shows it (`.` and `..` for the self and parent records). */
  name: string;
  extent: number;
  size: number;
  flags: number;
  isDir: boolean;
  /** Recording date: years since 1900, month, day, hour, minute, second, GMT offset in 15 min. */
  date: number[];
  /** From Rock Ridge PX (0 when absent). */
  mode: number;
  nlink: number;
  uid: number;
  gid: number;
  /** Rock Ridge symlink target, as isoinfo shows it (`-> target`). */
  symlink: string;
  /** Rock Ridge signatures seen (isoinfo's flag bits: 1024 = SP, ...). */
  rrFlags: number;
  suVersion: number;
}

export interface IsoVolumeInfo {
  systemId: Buffer;
  volumeId: Buffer;
  volumeSetId: Buffer;
  publisherId: Buffer;
  preparerId: Buffer;
  applicationId: Buffer;
  copyrightFileId: Buffer;
  abstractFileId: Buffer;
  bibliographicFileId: Buffer;
  volumeSetSize: number;
  volumeSequenceNumber: number;
  logicalBlockSize: number;
  volumeSize: number;
  /** Joliet UCS level 1-3, 0 when there is no Joliet volume. */
  jolietLevel: number;
  rockRidge?: { version: number; complete: boolean };
  elTorito?: { version: number; catalogSector: number };
  relaxed9660: boolean;
  /** Volume descriptor lines in the order isoinfo -d prints them (El Torito / 1999 as found). */
  descriptorNotes: string[];
}

export class IsoError extends Error {}

function both16(b: Buffer, at: number): number {
  return b.readUInt16LE(at);
}
function both32(b: Buffer, at: number): number {
  return b.readUInt32LE(at);
}

export class IsoImage {
  private readonly file: ImageFile;
  private readonly pvd: Buffer;
  private joliet: Buffer | undefined;
  private jolietLevel = 0;
  readonly description: string;

  constructor(readonly path: string) {
    this.file = new ImageFile(path);
    this.description = `ISO image ${path}`;
    this.pvd = this.sector(16);
    if (this.pvd[0] !== 1 || this.pvd.toString('latin1', 1, 6) !== 'CD001' || this.pvd[6] !== 1) {
      this.file.close();
      throw new IsoError(`${path} is not an ISO 9660 image (no primary volume descriptor at sector 16)`);
    }
    for (let block = 17; block < 16 + 64; block++) {
      const vd = this.sector(block);
      if (vd[0] === 255 || vd.toString('latin1', 1, 6) !== 'CD001') break;
      const level = this.jolietEscape(vd);
      if (vd[0] === 2 && level) {
        this.joliet = vd;
        this.jolietLevel = level;
        break;
      }
    }
  }

  private jolietEscape(vd: Buffer): number {
    const e = vd.subarray(88, 92);
    if (e[0] === 0x25 && e[1] === 0x2f && (e[3] === 0 || e[3] === 0x20)) {
      return { 0x40: 1, 0x43: 2, 0x45: 3 }[e[2]] ?? 0;
    }
    return 0;
  }

  sector(n: number, count = 1): Buffer {
    const out = Buffer.alloc(SECTOR * count);
    if (n * SECTOR >= this.file.size)
      throw new IsoError(`${this.description}: sector ${n} lies past the end of the image (truncated?)`);
    this.file.read(out, 0, out.length, n * SECTOR);
    return out;
  }

  close(): void {
    this.file.close();
  }

  volumeInfo(): IsoVolumeInfo {
    const p = this.pvd;
    const notes: string[] = [];
    let relaxed = false;
    let elTorito: IsoVolumeInfo['elTorito'];
    for (let block = 16; block < 16 + 64; block++) {
      const vd = block === 16 ? p : this.sector(block);
      if (vd[0] === 255) break;
      if (this.jolietEscape(vd) && vd[6] === 1) continue;
      if (vd[0] === 0 && vd.toString('latin1', 7, 30) === 'EL TORITO SPECIFICATION') {
        elTorito = { version: vd[6], catalogSector: vd.readUInt32LE(71) };
        notes.push(
          `El Torito VD version ${vd[6]} found, boot catalog is in sector ${elTorito.catalogSector}`,
        );
      }
      if (vd[6] === 2) {
        relaxed = true;
        notes.push('CD-ROM uses ISO 9660:1999 relaxed format');
        break;
      }
    }
    const root = this.rootRecord('iso');
    const first = this.readRecords(root.extent, root.size, 'rock-ridge')[0];
    return {
      systemId: p.subarray(8, 40),
      volumeId: p.subarray(40, 72),
      volumeSetId: p.subarray(190, 318),
      publisherId: p.subarray(318, 446),
      preparerId: p.subarray(446, 574),
      applicationId: p.subarray(574, 702),
      copyrightFileId: p.subarray(702, 739),
      abstractFileId: p.subarray(739, 776),
      bibliographicFileId: p.subarray(776, 813),
      volumeSetSize: both16(p, 120),
      volumeSequenceNumber: both16(p, 124),
      logicalBlockSize: both16(p, 128),
      volumeSize: both32(p, 80),
      jolietLevel: this.jolietLevel,
      rockRidge:
        first && first.rrFlags
          ? { version: first.suVersion, complete: Boolean(first.rrFlags & 1024) }
          : undefined,
      elTorito,
      relaxed9660: relaxed,
      descriptorNotes: notes,
    };
  }

  /** The root directory record of the primary (iso, rock-ridge) or Joliet volume. */
  rootRecord(names: IsoNames): { extent: number; size: number } {
    const vd = names === 'joliet' ? this.joliet : this.pvd;
    if (!vd) throw new IsoError(`${this.description} has no Joliet volume`);
    return { extent: vd.readUInt32LE(156 + 2), size: vd.readUInt32LE(156 + 10) };
  }

  hasJoliet(): boolean {
    return Boolean(this.joliet);
  }

  /** The records of a directory extent, in on-disk order (isoinfo's sector by sector walk). */
  readRecords(extent: number, length: number, names: IsoNames): IsoDirectoryRecord[] {
    const out: IsoDirectoryRecord[] = [];
    let left = length;
    let sectorNo = extent;
    while (left > 0) {
      const buffer = this.sector(sectorNo);
      left -= SECTOR;
      sectorNo++;
      let i = 0;
      for (;;) {
        const len = buffer[i];
        if (len === 0) break;
        out.push(this.parseRecord(buffer.subarray(i, i + len), names));
        i += len;
        if (i > SECTOR - 33) break;
      }
    }
    return out;
  }

  private parseRecord(rec: Buffer, names: IsoNames): IsoDirectoryRecord {
    const nameLen = rec[32];
    const rawName = rec.subarray(33, 33 + nameLen);
    const flags = rec[25];
    const record: IsoDirectoryRecord = {
      name: '',
      extent: rec.readUInt32LE(2),
      size: rec.readUInt32LE(10),
      flags,
      isDir: Boolean(flags & 2),
      date: [...rec.subarray(18, 25)],
      mode: 0,
      nlink: 0,
      uid: 0,
      gid: 0,
      symlink: '',
      rrFlags: 0,
      suVersion: 0,
    };
    if (nameLen === 1 && rawName[0] === 0) record.name = '.';
    else if (nameLen === 1 && rawName[0] === 1) record.name = '..';
    else if (names === 'joliet') {
      let name = '';
      for (let j = 0; j < Math.floor(nameLen / 2); j++) {
        const hi = rawName[j * 2];
        const lo = rawName[j * 2 + 1];
        name += hi === 0 && lo !== 0 ? String.fromCharCode(lo) : '_';
      }
      record.name = name;
    } else record.name = rawName.toString('latin1');
    if (names === 'rock-ridge') {
      // System use area: after the name (padded to even), skipping an XA record
      let at = 33 + nameLen + (nameLen % 2 === 0 ? 1 : 0);
      if (rec.length - at >= 14 && rec[at + 6] === 0x58 && rec[at + 7] === 0x41 && rec[at + 9] === 0)
        at += 14;
      const state = { nameParts: [] as Buffer[], foundName: false, link: '' };
      record.rrFlags = this.parseSusp(rec.subarray(at), record, state);
      if (state.foundName) record.name = Buffer.concat(state.nameParts).toString('utf8');
      record.symlink = state.link.endsWith('/') && state.link.length ? state.link.slice(0, -1) : state.link;
    }
    return record;
  }

  /** SUSP entries (and their CE continuation areas); returns isoinfo's flag bits. */
  private parseSusp(
    area: Buffer,
    record: IsoDirectoryRecord,
    state: { nameParts: Buffer[]; foundName: boolean; link: string },
    depth = 0,
  ): number {
    let flags = 0;
    let at = 0;
    let cont: { extent: number; offset: number; size: number } | undefined;
    while (area.length - at >= 4) {
      const sig = area.toString('latin1', at, at + 2);
      const len = area[at + 2];
      const version = area[at + 3];
      if (version !== 1 && version !== 2) break;
      if (len < 4 || at + len > area.length) break;
      const e = area.subarray(at, at + len);
      switch (sig) {
        case 'PX':
          flags |= 1;
          record.mode = e.readUInt32LE(4);
          record.nlink = e.readUInt32LE(12);
          record.uid = e.readUInt32LE(20);
          record.gid = e.readUInt32LE(28);
          break;
        case 'PN':
          flags |= 2;
          break;
        case 'SL': {
          flags |= 4;
          let p = 5;
          while (p + 1 < e.length) {
            const cflags = e[p];
            const clen = e[p + 1];
            let part = '';
            switch (cflags & 0xfe) {
              case 0:
                part = e.toString('utf8', p + 2, p + 2 + clen);
                break;
              case 2:
                part = '.';
                break;
              case 4:
                part = '..';
                break;
              case 8:
                part = '/';
                break;
            }
            if (!state.link) state.link = '-> ';
            state.link += part;
            if ((cflags & 1) === 0 && !state.link.endsWith('/')) state.link += '/';
            p += clen + 2;
          }
          break;
        }
        case 'NM':
          flags |= 8;
          if (!state.foundName) state.nameParts = [];
          state.nameParts.push(e.subarray(5));
          state.foundName = true;
          break;
        case 'CL':
          flags |= 16;
          break;
        case 'PL':
          flags |= 32;
          break;
        case 'RE':
          flags |= 64;
          break;
        case 'TF':
          flags |= 128;
          break;
        case 'SP':
          flags |= 1024;
          record.suVersion = version;
          break;
        case 'AA':
          flags |= 2048;
          break;
        case 'CE':
          cont = { extent: e.readUInt32LE(4), offset: e.readUInt32LE(12), size: e.readUInt32LE(20) };
          break;
      }
      at += len;
      if (area.length - at <= 3 && cont && depth < 16) {
        const sector = this.sector(cont.extent);
        flags |= this.parseSusp(
          sector.subarray(cont.offset, cont.offset + cont.size),
          record,
          state,
          depth + 1,
        );
        cont = undefined;
      }
    }
    return flags;
  }

  /** Directories in isoinfo's order (breadth first via its to-do list), with each one's records. */
  *directories(names: IsoNames): Generator<{ path: string; records: IsoDirectoryRecord[] }> {
    const todo: Array<{ path: string; extent: number; size: number }> = [
      { path: '/', ...this.rootRecord(names) },
    ];
    const seen = new Set<number>();
    while (todo.length) {
      const dir = todo.shift() as { path: string; extent: number; size: number };
      if (seen.has(dir.extent)) continue; // a loop in a corrupt image
      seen.add(dir.extent);
      const records = this.readRecords(dir.extent, dir.size, names);
      for (const r of records)
        if (r.isDir && r.name !== '.' && r.name !== '..')
          todo.push({ path: `${dir.path}${r.name}/`, extent: r.extent, size: r.size });
      yield { path: dir.path, records };
    }
  }

  /** The El Torito boot catalog's validation and default entries. */
  bootCatalog(sectorNo: number): {
    headerId: number;
    arch: number;
    id: Buffer;
    key1: number;
    key2: number;
    bootId: number;
    media: number;
    loadSegment: number;
    sysType: number;
    sectors: number;
    bootOffset: number;
  } {
    const b = this.sector(sectorNo);
    return {
      headerId: b[0],
      arch: b[1],
      id: b.subarray(4, 28),
      key1: b[30],
      key2: b[31],
      bootId: b[32],
      media: b[33],
      loadSegment: b.readUInt16LE(34),
      sysType: b[36],
      sectors: b.readUInt16LE(38),
      bootOffset: b.readUInt32LE(40),
    };
  }
}

export { DeviceError };
