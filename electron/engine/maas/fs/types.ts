/**
 * A file system read from a disk image, as the artifact writers and the readiness check see it. ext4 is
 * Kiln's own reader (ext4/); anything else implementing this (xfs later) works with the same writers.
 */

export type FileType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo' | 'socket';

export interface FsStat {
  ino: number;
  type: FileType;
  /** Permission bits with setuid/setgid/sticky (mode & 0o7777). */
  perm: number;
  uid: number;
  gid: number;
  size: number;
  nlink: number;
  mtime: number;
  mtimeNs: number;
  atime: number;
  ctime: number;
  /** Device numbers of character and block devices. */
  rdevMajor: number;
  rdevMinor: number;
}

export interface DirEntry {
  /** The name decoded as UTF-8 (for messages, matching and display). */
  name: string;
  /** The name's bytes as stored (what goes into an archive). */
  raw: Buffer;
  ino: number;
}

/** A byte range of a file that holds data; the rest of the file reads as zeros (holes). */
export interface DataRun {
  offset: number;
  length: number;
}

export interface OpenFile {
  readonly size: number;
  /** The data ranges, in order; what is not covered is a hole. */
  readonly runs: readonly DataRun[];
  /** Reads file bytes (holes as zeros); reading past the size is an error. */
  read(buffer: Buffer, position: number, length: number, bufferOffset?: number): Promise<void>;
}

export interface FileSystemReader {
  readonly kind: string;
  /** Names the file system in messages, e.g. `ext4 on partition 2 of qcow2 image out/disk`. */
  readonly description: string;
  readonly rootIno: number;
  stat(ino: number): Promise<FsStat>;
  /** Directory entries without `.` and `..`, in on-disk order. */
  readdir(ino: number): Promise<DirEntry[]>;
  readlink(ino: number): Promise<Buffer>;
  /** Extended attributes by full name (`user.x`, `security.selinux`, `system.posix_acl_access`, ...). */
  xattrs(ino: number): Promise<Map<string, Buffer>>;
  open(ino: number): Promise<OpenFile>;
}

export class FsError extends Error {}
