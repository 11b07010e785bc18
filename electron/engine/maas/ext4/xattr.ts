/**
 * ext4 extended attributes: the in-inode area after i_extra_isize and the separate xattr block, entry
 * layout per the kernel's struct ext4_xattr_entry, name prefixes by index, and POSIX ACLs converted from
 * ext4's compact on-disk form to the `system.posix_acl_*` xattr form every tool (getfattr, tar) sees.
 */

export const XATTR_MAGIC = 0xea020000;

const PREFIXES: Record<number, string> = {
  1: 'user.',
  2: 'system.posix_acl_access',
  3: 'system.posix_acl_default',
  4: 'trusted.',
  6: 'security.',
  7: 'system.',
  8: 'system.richacl',
};

export interface RawXattr {
  name: string;
  /** The value, or where to find it when it lives in an EA inode (ea_inode feature). */
  value?: Buffer;
  valueInode?: number;
  valueSize: number;
}

/**
 * Parses entries starting at `entriesStart` in `region`; value offsets count from `valueBase`. Stops at
 * the terminating zero word or at the end of the region; a malformed entry is reported, not guessed at.
 */
export function parseXattrEntries(
  region: Buffer,
  entriesStart: number,
  valueBase: number,
  where: string,
): RawXattr[] {
  const out: RawXattr[] = [];
  let at = entriesStart;
  while (at + 16 <= region.length) {
    if (region.readUInt32LE(at) === 0) break;
    const nameLen = region[at];
    const index = region[at + 1];
    const valueOffs = region.readUInt16LE(at + 2);
    const valueInum = region.readUInt32LE(at + 4);
    const valueSize = region.readUInt32LE(at + 8);
    if (at + 16 + nameLen > region.length) throw new Error(`${where}: an xattr entry runs past its area`);
    const suffix = region.toString('latin1', at + 16, at + 16 + nameLen);
    const prefix = PREFIXES[index];
    const name = prefix === undefined ? `unknown${index}.${suffix}` : prefix + suffix;
    if (valueInum) out.push({ name, valueInode: valueInum, valueSize });
    else {
      const start = valueBase + valueOffs;
      if (start + valueSize > region.length)
        throw new Error(`${where}: the value of xattr ${name} runs past its area`);
      out.push({ name, value: Buffer.from(region.subarray(start, start + valueSize)), valueSize });
    }
    at += (16 + nameLen + 3) & ~3;
  }
  return out;
}

// ACL tags (linux/posix_acl.h)
export const ACL_USER_OBJ = 0x01;
export const ACL_USER = 0x02;
export const ACL_GROUP_OBJ = 0x04;
export const ACL_GROUP = 0x08;
export const ACL_MASK = 0x10;
export const ACL_OTHER = 0x20;
const ACL_UNDEFINED_ID = 0xffffffff;

export interface AclEntry {
  tag: number;
  perm: number;
  /** uid or gid for ACL_USER/ACL_GROUP entries. */
  id?: number;
}

/** ext4's on-disk ACL (version 1; short entries without an id for the *_OBJ, MASK and OTHER tags). */
export function parseExt4Acl(value: Buffer, where: string): AclEntry[] {
  if (value.length < 4 || value.readUInt32LE(0) !== 1) throw new Error(`${where}: unknown ext4 ACL version`);
  const entries: AclEntry[] = [];
  let at = 4;
  while (at < value.length) {
    if (at + 4 > value.length) throw new Error(`${where}: truncated ACL`);
    const tag = value.readUInt16LE(at);
    const perm = value.readUInt16LE(at + 2);
    if (tag === ACL_USER || tag === ACL_GROUP) {
      if (at + 8 > value.length) throw new Error(`${where}: truncated ACL`);
      entries.push({ tag, perm, id: value.readUInt32LE(at + 4) });
      at += 8;
    } else {
      entries.push({ tag, perm });
      at += 4;
    }
  }
  return entries;
}

/** The xattr form (`posix_acl_xattr`, version 2) that getxattr returns and tar stores. */
export function aclToXattr(entries: AclEntry[]): Buffer {
  const out = Buffer.alloc(4 + entries.length * 8);
  out.writeUInt32LE(2, 0);
  entries.forEach((e, i) => {
    out.writeUInt16LE(e.tag, 4 + i * 8);
    out.writeUInt16LE(e.perm, 6 + i * 8);
    out.writeUInt32LE(e.id ?? ACL_UNDEFINED_ID, 8 + i * 8);
  });
  return out;
}

/** Parses the xattr form back (for tarballs and for writing the text form). */
export function parseXattrAcl(value: Buffer): AclEntry[] | undefined {
  if (value.length < 4 || value.readUInt32LE(0) !== 2 || (value.length - 4) % 8 !== 0) return undefined;
  const entries: AclEntry[] = [];
  for (let at = 4; at < value.length; at += 8) {
    const tag = value.readUInt16LE(at);
    const perm = value.readUInt16LE(at + 2);
    const id = value.readUInt32LE(at + 4);
    entries.push(tag === ACL_USER || tag === ACL_GROUP ? { tag, perm, id } : { tag, perm });
  }
  return entries;
}

const TAG_TEXT: Record<number, string> = {
  [ACL_USER_OBJ]: 'user:',
  [ACL_USER]: 'user:',
  [ACL_GROUP_OBJ]: 'group:',
  [ACL_GROUP]: 'group:',
  [ACL_MASK]: 'mask:',
  [ACL_OTHER]: 'other:',
};

function permText(perm: number): string {
  return `${perm & 4 ? 'r' : '-'}${perm & 2 ? 'w' : '-'}${perm & 1 ? 'x' : '-'}`;
}

/**
 * The long text form (`acl_to_text`) with numeric ids, one entry per line. Numeric because names would
 * be the build host's, not the image's (GNU tar writes the host's names there).
 */
export function aclToText(entries: AclEntry[]): string {
  return entries.map((e) => `${TAG_TEXT[e.tag] ?? '?:'}${e.id ?? ''}:${permText(e.perm)}\n`).join('');
}

/** The access ACL a file without one has: its mode bits as user::, group::, other:: entries. */
export function aclFromMode(perm: number): AclEntry[] {
  return [
    { tag: ACL_USER_OBJ, perm: (perm >> 6) & 7 },
    { tag: ACL_GROUP_OBJ, perm: (perm >> 3) & 7 },
    { tag: ACL_OTHER, perm: perm & 7 },
  ];
}
