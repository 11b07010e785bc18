/**
 * The inspector's ISO listings in the layout of `isoinfo` (cdrkit): `-d` (volume descriptor), `-f`
 * (find-style list) and `-l` (ls -lR style), each with `-R` (Rock Ridge) or `-J` (Joliet) names.
 * The quirks are isoinfo's: ids trimmed by its printchars rule, owners printed in octal, fixed columns
 * that a wide field overflows into the next, a trailing space after names without a link target.
 */
import { IsoImage, type IsoDirectoryRecord, type IsoNames } from './iso';

/** isoinfo's printchars: stops at the first space that only spaces follow (up to the field's end). */
function printchars(field: Buffer): string {
  let out = '';
  for (let k = 0; k < field.length && field[k] !== 0; k++) {
    if (field[k] === 0x20) {
      let i = field.length - k;
      let p = k;
      while (--i >= 0 && field[p++] === 0x20);
      if (i <= 0) break;
    }
    out += String.fromCharCode(field[k]);
  }
  return out;
}

const ARCH: Record<number, string> = { 0: 'x86', 1: 'PPC', 2: 'MAC' };
const BOOT: Record<number, string> = { 0x88: 'bootable', 0: 'not bootable' };
const MEDIA: Record<number, string> = {
  0: 'No Emulation Boot',
  1: '1200 Floppy',
  2: '1.44MB Floppy',
  3: '2.88MB Floppy',
  4: 'Hard Disk Emulation',
};

/** `isoinfo -d -i FILE`. */
export function formatVolumeInfo(iso: IsoImage): string {
  const v = iso.volumeInfo();
  const lines = [
    'CD-ROM is in ISO 9660 format',
    `System id: ${printchars(v.systemId)}`,
    `Volume id: ${printchars(v.volumeId)}`,
    `Volume set id: ${printchars(v.volumeSetId)}`,
    `Publisher id: ${printchars(v.publisherId)}`,
    `Data preparer id: ${printchars(v.preparerId)}`,
    `Application id: ${printchars(v.applicationId)}`,
    `Copyright File id: ${printchars(v.copyrightFileId)}`,
    `Abstract File id: ${printchars(v.abstractFileId)}`,
    `Bibliographic File id: ${printchars(v.bibliographicFileId)}`,
    `Volume set size is: ${v.volumeSetSize}`,
    `Volume set sequence number is: ${v.volumeSequenceNumber}`,
    `Logical block size is: ${v.logicalBlockSize}`,
    `Volume size is: ${v.volumeSize}`,
    ...v.descriptorNotes,
    v.jolietLevel ? `Joliet with UCS level ${v.jolietLevel} found` : 'NO Joliet present',
    v.rockRidge
      ? v.rockRidge.complete
        ? `Rock Ridge signatures version ${v.rockRidge.version} found`
        : 'Bad Rock Ridge signatures found (SU record missing)'
      : 'NO Rock Ridge present',
  ];
  if (v.elTorito) {
    const c = iso.bootCatalog(v.elTorito.catalogSector);
    const id = c.id.subarray(0, 23);
    const nul = id.indexOf(0);
    lines.push(
      'Eltorito validation header:',
      `    Hid ${c.headerId}`,
      `    Arch ${c.arch} (${ARCH[c.arch] ?? 'Unknown Arch'})`,
      `    ID '${(nul < 0 ? id : id.subarray(0, nul)).toString('latin1')}'`,
      `    Key ${c.key1.toString(16).toUpperCase()} ${c.key2.toString(16).toUpperCase()}`,
      '    Eltorito defaultboot header:',
      `        Bootid ${c.bootId.toString(16).toUpperCase()} (${BOOT[c.bootId] ?? 'Illegal'})`,
      `        Boot media ${c.media.toString(16).toUpperCase()} (${MEDIA[c.media] ?? 'Illegal Bootmedia'})`,
      `        Load segment ${c.loadSegment.toString(16).toUpperCase()}`,
      `        Sys type ${c.sysType.toString(16).toUpperCase()}`,
      `        Nsect ${c.sectors.toString(16).toUpperCase()}`,
      `        Bootoff ${c.bootOffset.toString(16).toUpperCase()} ${c.bootOffset}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `isoinfo -f [-R|-J] -i FILE`. */
export function formatFind(iso: IsoImage, names: IsoNames): string {
  let out = '';
  for (const dir of iso.directories(names)) {
    for (const r of dir.records) if (r.name !== '.' && r.name !== '..') out += `${dir.path}${r.name}\n`;
  }
  return out;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const S_IFMT = 0o170000;
const TYPE_CHAR: Record<number, string> = {
  0o100000: '-',
  0o040000: 'd',
  0o120000: 'l',
  0o020000: 'c',
  0o060000: 'b',
  0o010000: 'f',
  0o140000: 's',
};

/** One `-l` line: isoinfo's 66-column record (sprintf into fixed offsets), then the name. */
export function formatRecord(r: IsoDirectoryRecord, names: IsoNames): string {
  const line: string[] = new Array(80).fill(' ');
  const put = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) line[at + i] = text[i];
    line[at + text.length] = '\0';
  };
  let mode = r.isDir ? 0o040000 : 0o100000;
  if (names === 'rock-ridge' && r.rrFlags & 1) mode = r.mode;
  line[0] = TYPE_CHAR[mode & S_IFMT] ?? '?';
  const bits = 'rwxrwxrwx';
  for (let i = 0; i < 9; i++) line[1 + i] = mode & (0o400 >> i) ? bits[i] : '-';
  put(11, String(r.nlink).padStart(3));
  put(15, r.uid.toString(8).padStart(4));
  put(20, r.gid.toString(8).padStart(4));
  put(30, String(r.size).padStart(10));
  const [years, month, day] = r.date;
  if (month >= 1 && month <= 12) for (let i = 0; i < 3; i++) line[41 + i] = MONTHS[month - 1][i];
  put(45, String(day).padStart(2));
  line[63] = '\0';
  put(48, String(years + 1900).padStart(4));
  put(53, `[${String(r.extent).padStart(7)}`);
  put(61, ` ${r.flags.toString(16).toUpperCase().padStart(2, '0')}]`);
  const head = line
    .slice(0, 66)
    .map((c) => (c === '\0' ? ' ' : c))
    .join('');
  return `${head} ${r.name} ${r.symlink}`;
}

/** `isoinfo -l [-R|-J] -i FILE`. */
export function formatListing(iso: IsoImage, names: IsoNames): string {
  let out = '';
  for (const dir of iso.directories(names)) {
    out += `\nDirectory listing of ${dir.path}\n`;
    for (const r of dir.records) out += `${formatRecord(r, names)}\n`;
  }
  return out;
}

export { IsoImage };
