/**
 * The JSON MAAS returns for boot resources (REST API 2.0), with MAAS's own field names, checked on the
 * way in. Fields that differ between versions are optional: ≤3.4 has no `filename_on_disk` and no
 * `base_image`, and `progress`/`upload_uri` appear only while a file is incomplete.
 */
import { z } from 'zod';

export const MAAS_FILETYPES = [
  'tgz',
  'tbz',
  'txz',
  'ddtgz',
  'ddtbz',
  'ddtxz',
  'ddtar',
  'ddbz2',
  'ddgz',
  'ddxz',
  'ddraw',
] as const;
export type MaasFiletype = (typeof MAAS_FILETYPES)[number];

export const bootResourceFileSchema = z.looseObject({
  filename: z.string(),
  filetype: z.string(),
  sha256: z.string(),
  size: z.number(),
  complete: z.boolean(),
  progress: z.number().optional(),
  upload_uri: z.string().optional(),
  filename_on_disk: z.string().optional(),
});
export type BootResourceFile = z.infer<typeof bootResourceFileSchema>;

export const bootResourceSetSchema = z.looseObject({
  version: z.string(),
  label: z.string(),
  size: z.number(),
  complete: z.boolean(),
  progress: z.number().optional(),
  files: z.record(z.string(), bootResourceFileSchema),
});
export type BootResourceSet = z.infer<typeof bootResourceSetSchema>;

export const bootResourceSummarySchema = z.looseObject({
  id: z.number(),
  type: z.string(),
  name: z.string(),
  architecture: z.string(),
  resource_uri: z.string(),
  last_deployed: z.string().nullable().optional(),
  subarches: z.string().optional(),
  title: z.string().optional(),
  base_image: z.string().optional(),
});
export type BootResourceSummary = z.infer<typeof bootResourceSummarySchema>;

export const bootResourceSchema = bootResourceSummarySchema.extend({
  sets: z.record(z.string(), bootResourceSetSchema),
});
export type BootResource = z.infer<typeof bootResourceSchema>;

export const bootResourceListSchema = z.array(bootResourceSummarySchema);

export const maasVersionSchema = z.looseObject({
  version: z.string(),
  subversion: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
});
export type MaasVersionInfo = z.infer<typeof maasVersionSchema>;

export const maasUserSchema = z.looseObject({
  username: z.string(),
  email: z.string().nullable().optional(),
  is_superuser: z.boolean(),
  is_local: z.boolean().optional(),
  resource_uri: z.string().optional(),
});
export type MaasUser = z.infer<typeof maasUserSchema>;

export const regionControllerListSchema = z.array(z.looseObject({ system_id: z.string() }));

/** What `POST boot-resources/` takes when the content is uploaded afterwards in chunks. */
export interface CreateBootResourceFields {
  name: string;
  architecture: string;
  sha256: string;
  size: number;
  title?: string;
  filetype?: MaasFiletype;
  base_image?: string;
  keep_old?: boolean;
}

/**
 * Sets sorted newest first. Versions are `YYYYmmdd` or `YYYYmmdd.N`; compare them as numbers (MAAS's CLI
 * and libmaas compare strings, which is wrong from `.10` on; and JavaScript reorders integer-like keys).
 */
export function setsNewestFirst(resource: Pick<BootResource, 'sets'>): BootResourceSet[] {
  return Object.values(resource.sets).sort((a, b) => compareSetVersions(b.version, a.version));
}

export function compareSetVersions(a: string, b: string): number {
  const [aDate, aRev] = splitVersion(a);
  const [bDate, bRev] = splitVersion(b);
  return aDate !== bDate ? aDate - bDate : aRev !== bRev ? aRev - bRev : a.localeCompare(b);
}

function splitVersion(version: string): [number, number] {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(version);
  if (!match) return [Number.NEGATIVE_INFINITY, 0];
  return [Number(match[1]), match[2] === undefined ? 0 : Number(match[2])];
}

/** The single file of a set (uploaded resources have one), or undefined. */
export function onlyFile(set: BootResourceSet): BootResourceFile | undefined {
  const files = Object.values(set.files);
  return files.length === 1 ? files[0] : undefined;
}

/** The `filetype` MAAS stores (and shows) for an upload `filetype`. */
export function storedFiletype(filetype: MaasFiletype): string {
  return {
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
  }[filetype];
}
