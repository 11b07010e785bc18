/**
 * The fake region's state and how MAAS renders it, per MAAS version. Sources: the reference
 * `maas-boot-resources-api.md` and MAAS's `api/boot_resources.py`, `forms/__init__.py` and models on the
 * 3.4, 3.7 and master branches.
 */
import { PyFloat } from './python';

/** `3.4`: Postgres large objects. `3.7`: 3.5–3.7, a per-region file written with mmap. `master`: 3.8 dev, appended. */
export type MaasVersionProfile = '3.4' | '3.7' | 'master';

export const RTYPE = { SYNCED: 0, GENERATED: 1, UPLOADED: 2 } as const;
const RTYPE_NAMES: Record<number, string> = { 0: 'Synced', 1: 'Generated', 2: 'Uploaded' };

export interface VersionTraits {
  /** What `GET version/` reports. */
  reportedVersion: string;
  /** `OperatingSystemRegistry`, in registration order (it shows in an error message). */
  osystems: readonly string[];
  /** `LINUX_OSYSTEMS`: what a custom image's base_image may be built on. */
  linuxOsystems: readonly string[];
  /** ≤3.7 stores `custom/foo` as `foo`. */
  stripCustomPrefix: boolean;
  /** ≤3.7 accepts a single-shot multipart `content` on create. */
  acceptsContent: boolean;
  storage: 'largefile' | 'mmap' | 'append';
  /** `?type=` values of the list endpoint. */
  listTypes: Record<string, number>;
  adminDenied: string;
  cannotUploadToType: (rtype: number) => string;
}

const ADMIN_ONLY = 'This method is reserved for admin users.';

export const VERSION_TRAITS: Record<MaasVersionProfile, VersionTraits> = {
  '3.4': {
    reportedVersion: '3.4.6-14378-g.b4c5b6a5a',
    osystems: [
      'ubuntu',
      'ubuntu-core',
      'bootloader',
      'centos',
      'rhel',
      'custom',
      'windows',
      'suse',
      'caringo',
      'esxi',
    ],
    linuxOsystems: ['ubuntu', 'centos', 'rhel'],
    stripCustomPrefix: true,
    acceptsContent: true,
    storage: 'largefile',
    listTypes: { synced: RTYPE.SYNCED, generated: RTYPE.GENERATED, uploaded: RTYPE.UPLOADED },
    adminDenied: ADMIN_ONLY,
    // ≤3.4 really has the trailing space.
    cannotUploadToType: (rtype) => `Cannot upload to a resource of type: ${rtype}. `,
  },
  '3.7': {
    reportedVersion: '3.7.1-16397-g.3fa3b0b1c',
    osystems: [
      'ubuntu',
      'ubuntu-core',
      'bootloader',
      'centos',
      'rhel',
      'custom',
      'windows',
      'suse',
      'esxi',
      'ol',
    ],
    linuxOsystems: ['ubuntu', 'centos', 'rhel', 'ol'],
    stripCustomPrefix: true,
    acceptsContent: true,
    storage: 'mmap',
    listTypes: { synced: RTYPE.SYNCED, uploaded: RTYPE.UPLOADED },
    adminDenied: ADMIN_ONLY,
    cannotUploadToType: (rtype) => `Cannot upload to a resource of type: ${rtype}.`,
  },
  master: {
    reportedVersion: '3.8.0~alpha1-17000-g.9e51f33ce',
    osystems: [
      'ubuntu',
      'ubuntu-core',
      'bootloader',
      'centos',
      'rhel',
      'custom',
      'windows',
      'suse',
      'esxi',
      'ol',
    ],
    linuxOsystems: ['ubuntu', 'centos', 'rhel', 'ol'],
    stripCustomPrefix: false,
    acceptsContent: false,
    storage: 'append',
    listTypes: { synced: RTYPE.SYNCED, uploaded: RTYPE.UPLOADED },
    adminDenied:
      "User does not have permission to perform this operation. The user should have permission 'can_edit_boot_entities'",
    cannotUploadToType: (rtype) => `Cannot upload to a resource of type: ${rtype}.`,
  },
};

/** The upload `filetype` parameter → the stored file type (`BOOT_RESOURCE_FILE_TYPE`). */
export const UPLOAD_FILETYPES: Record<string, string> = {
  tgz: 'root-tgz',
  tbz: 'root-tbz',
  txz: 'root-txz',
  ddtgz: 'root-dd',
  ddtbz: 'root-dd.tar.bz2',
  ddtxz: 'root-dd.tar.xz',
  ddtar: 'root-dd.tar',
  ddbz2: 'root-dd.bz2',
  ddgz: 'root-dd.gz',
  ddxz: 'root-dd.xz',
  ddraw: 'root-dd.raw',
};

/** 3.5+ gives root tarballs a proper extension (`get_uploaded_filename`); ≤3.4 uses the file type. */
export function uploadedFilename(profile: MaasVersionProfile, filetype: string): string {
  if (profile === '3.4') return filetype;
  return { 'root-tgz': 'root.tgz', 'root-tbz': 'root.tbz', 'root-txz': 'root.txz' }[filetype] ?? filetype;
}

export interface FakeUser {
  id: number;
  username: string;
  email: string;
  isSuperuser: boolean;
  isActive: boolean;
}

export interface FakeToken {
  consumerKey: string;
  tokenKey: string;
  tokenSecret: string;
  user: FakeUser;
}

/** ≤3.4: content lives in a Postgres large object shared by every file with the same sha256. */
export interface LargeFile {
  sha256: string;
  totalSize: number;
  /** Bytes committed. */
  size: number;
  path: string;
}

export interface FakeFile {
  id: number;
  resourceId: number;
  setId: number;
  filename: string;
  filetype: string;
  sha256: string;
  size: number;
  filenameOnDisk: string;
  /** 3.5+: bytes each region holds (`BootResourceFileSync`); index 0 is the region that answers. */
  regionSizes: number[];
  /** ≤3.4 */
  largefile?: LargeFile;
  /** 3.5+: where the content is kept; undefined for seeded synced files (no content). */
  path?: string;
  /** master: bytes appended on disk (outside the transaction). */
  diskSize: number;
}

export interface FakeSet {
  id: number;
  version: string;
  label: string;
  files: FakeFile[];
}

export interface FakeResource {
  id: number;
  rtype: number;
  name: string;
  architecture: string;
  extra: Record<string, string>;
  baseImage: string;
  sets: FakeSet[];
}

/** Whether a file is complete, and its progress, as the version computes them. */
export function fileState(
  profile: MaasVersionProfile,
  file: FakeFile,
  regions: number,
): { complete: boolean; progress: number | PyFloat; bytes: number } {
  if (profile === '3.4') {
    const lf = file.largefile;
    const size = lf?.size ?? file.size;
    const total = lf?.totalSize ?? file.size;
    // LargeFile.progress is inverted in ≤3.4 (total_size / size), and an int 0 when nothing is there.
    return { complete: size === total, progress: size <= 0 ? 0 : new PyFloat(total / size), bytes: size };
  }
  // BootResourceFile.sync_progress: 0.0 until a region has a sync row.
  const sum = file.regionSizes.reduce((a, b) => a + b, 0);
  const progress = file.regionSizes.length === 0 ? 0 : (100 * sum) / (file.size * regions);
  return { complete: progress === 100, progress: new PyFloat(progress), bytes: file.regionSizes[0] ?? 0 };
}

export function setState(
  profile: MaasVersionProfile,
  set: FakeSet,
  regions: number,
): { complete: boolean; progress: number | PyFloat; totalSize: number } {
  const totalSize = set.files.reduce((a, f) => a + f.size, 0);
  if (profile === '3.4') {
    if (set.files.length === 0) return { complete: false, progress: 0, totalSize };
    const size = set.files.reduce((a, f) => a + (f.largefile?.size ?? f.size), 0);
    const total = set.files.reduce((a, f) => a + (f.largefile?.totalSize ?? f.size), 0);
    return {
      complete: size === total,
      progress: size <= 0 ? 0 : new PyFloat((100 * size) / total),
      totalSize,
    };
  }
  const syncTotal = totalSize * regions;
  const cur = set.files.reduce((a, f) => a + f.regionSizes.reduce((x, y) => x + y, 0), 0);
  const progress = syncTotal > 0 ? (100 * cur) / syncTotal : 0;
  return { complete: progress === 100, progress: new PyFloat(progress), totalSize };
}

export function fileToDict(
  profile: MaasVersionProfile,
  resource: FakeResource,
  file: FakeFile,
  regions: number,
): Record<string, unknown> {
  const state = fileState(profile, file, regions);
  const dict: Record<string, unknown> = {
    filename: file.filename,
    filetype: file.filetype,
    sha256: file.sha256,
  };
  if (profile !== '3.4') dict.filename_on_disk = file.filenameOnDisk;
  dict.size = file.size;
  dict.complete = state.complete;
  if (!state.complete) {
    dict.progress = state.progress;
    const uploadable =
      resource.rtype === RTYPE.UPLOADED || (profile === '3.4' && resource.rtype === RTYPE.GENERATED);
    if (uploadable) dict.upload_uri = `/MAAS/api/2.0/boot-resources/${resource.id}/upload/${file.id}/`;
  }
  return dict;
}

export function resourceToDict(
  profile: MaasVersionProfile,
  resource: FakeResource,
  regions: number,
  withSets: boolean,
): Record<string, unknown> {
  const dict: Record<string, unknown> = {
    id: resource.id,
    type: RTYPE_NAMES[resource.rtype],
    name: resource.name,
    architecture: resource.architecture,
    resource_uri: `/MAAS/api/2.0/boot-resources/${resource.id}/`,
    last_deployed: null,
    ...resource.extra,
  };
  if (profile !== '3.4' && resource.baseImage) dict.base_image = resource.baseImage;
  if (withSets) {
    // A Map keeps MAAS's order (newest first): a JS object would move integer-like keys ("20250301") first.
    const sets = new Map<string, unknown>();
    for (const set of [...resource.sets].sort((a, b) => b.id - a.id)) {
      const state = setState(profile, set, regions);
      const setDict: Record<string, unknown> = {
        version: set.version,
        label: set.label,
        size: state.totalSize,
        complete: state.complete,
      };
      if (!state.complete) setDict.progress = state.progress;
      const files = new Map<string, unknown>();
      for (const file of set.files) files.set(file.filename, fileToDict(profile, resource, file, regions));
      setDict.files = files;
      sets.set(set.version, setDict);
    }
    dict.sets = sets;
  }
  return dict;
}

/** `BootResource.get_next_version_name`: `YYYYmmdd`, then `YYYYmmdd.1`, `.2`, ... on the same day. */
export function nextVersionName(resource: FakeResource, nowMs: number): string {
  const d = new Date(nowMs);
  const today = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  const same = resource.sets.filter((s) => s.version.startsWith(today));
  if (same.length === 0) return today;
  let max = 0;
  for (const s of same) {
    const dot = s.version.indexOf('.');
    if (dot >= 0) max = Math.max(max, Number(s.version.slice(dot + 1)));
  }
  return `${today}.${max + 1}`;
}
