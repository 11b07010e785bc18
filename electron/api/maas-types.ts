/** The Api's part for MAAS: connection profiles, the region's images, and uploads from a build. */

export interface MaasProfileInfo {
  name: string;
  url: string;
  isDefault: boolean;
}

/** Where API keys are kept, said plainly in the settings. */
export interface MaasKeyStorage {
  /** `keychain`: the OS keychain (Electron safeStorage); `file`: the CLI's 0600 profiles file. */
  kind: 'keychain' | 'file';
  /** e.g. `gnome-libsecret`, or the file's path. */
  detail: string;
  /** A warning to show where keys are not as safe as one may think (Linux with no keyring). */
  warning?: string;
}

export interface MaasProfilesResult {
  profiles: MaasProfileInfo[];
  storage: MaasKeyStorage;
}

/** A connection: a saved profile by name, or a URL and key being tried before they are saved. */
export type MaasTarget = { profile: string } | { url: string; apiKey: string };

export interface MaasConnectionInfo {
  url: string;
  maasVersion: string;
  user: string;
  isAdmin: boolean;
}

export interface MaasImage {
  id: number;
  type: string;
  name: string;
  architecture: string;
  title?: string;
  baseImage?: string;
  /** The newest set's size and completeness, when MAAS showed them. */
  size?: number;
  complete?: boolean;
  lastDeployed?: string | null;
}

export interface MaasUploadFields {
  name: string;
  title: string;
  architecture: string;
  filetype: string;
  /** For non-Ubuntu images: `ubuntu/<series>`. */
  baseImage?: string;
}

/** What the upload form starts with, and what the region says about it. */
export interface MaasUploadPlan {
  file: string;
  size: number;
  fields: MaasUploadFields;
  /** Choices the region offers (architectures of its usable images, its Ubuntu series for base_image). */
  architectures: string[];
  baseImages: string[];
  /** Problems with the fields as the region sees them, by field. */
  problems: Array<{ field: keyof MaasUploadFields | 'file'; message: string }>;
  /** Notes that are not problems (a new version of an existing image, say). */
  notes: string[];
  /**
   * The readiness check of the file (what `kiln maas check` says, as maas-upload runs it): what the
   * file is and its findings, shown before anything is sent. `error` when the check could not run.
   */
  readiness?: {
    detail: string;
    ready: boolean;
    findings: Array<{
      rule: string;
      severity: 'error' | 'warning' | 'info';
      message: string;
      fix: string;
      path?: string;
    }>;
    error?: string;
  };
}

export type MaasUploadPhase = 'hashing' | 'creating' | 'uploading' | 'verifying' | 'syncing' | 'complete';

export interface MaasUploadState {
  uploadId: string;
  runId: string;
  file: string;
  profile: string;
  fields: MaasUploadFields;
  state: 'running' | 'succeeded' | 'failed' | 'cancelled';
  phase: MaasUploadPhase;
  bytes: number;
  total: number;
  /** Bytes per second. */
  rate: number;
  etaSeconds?: number;
  /** The region's own words when it refused, or what went wrong. */
  error?: string;
  /** On success: the boot resource and whether MAAS reports it complete. */
  resourceId?: number;
  complete?: boolean;
  /** A sentence about the result (`uploaded in 12 s`, `already on the region`). */
  summary?: string;
}
