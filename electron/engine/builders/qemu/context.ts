/**
 * What the qemu builder's steps share: the typed config (decoded and prepared by the template schema),
 * where relative paths resolve, the Go-template renderer, and the build's state keys (Packer's names).
 */
import { isAbsolute, resolve } from 'node:path';
import type { Render } from '../../build/components';
import { stateKey } from '../../build/state';
import type { TempSpace } from '../../build/temp';
import type { QemuBuilderConfig } from '../../template/schema/components/builder-qemu';
import type { QemuVm } from '../../vm/qemu-process';
import type { VmRegistry } from '../../vm/registry';

export const QEMU_BUILDER_ID = 'transcend.qemu';

export interface QemuBuildContext {
  config: QemuBuilderConfig;
  /** Relative paths in the config (and qemu's working directory) resolve against this. */
  cwd: string;
  render: Render;
  temp: TempSpace;
  force: boolean;
  debug: boolean;
  buildName: string;
  registry: VmRegistry;
  /** Where downloads are cached. */
  cacheDir: string;
  /** Waits before the next attempt in loops (tests shorten it). */
  pollMs?: number;
}

/** Resolves a config path against the build's working directory. */
export function resolvePath(ctx: Pick<QemuBuildContext, 'cwd'>, path: string): string {
  return isAbsolute(path) ? path : resolve(ctx.cwd, path);
}

/** Packer's state keys for this builder. */
export const ISO_PATH = stateKey<string>('iso_path');
export const SOURCE_IMAGE_URL = stateKey<string>('SourceImageURL');
export const DISK_PATHS = stateKey<string[]>('qemu_disk_paths');
export const FLOPPY_PATH = stateKey<string>('floppy_path');
export const CD_PATH = stateKey<string>('cd_path');
export const COMM_HOST_PORT = stateKey<number>('commHostPort');
export const VNC_PORT = stateKey<number>('vnc_port');
export const VNC_PASSWORD = stateKey<string>('vnc_password');
export const EFIVARS_PATH = stateKey<string>('efi_vars_path');
/** Kiln's: the running VM and the accelerator it runs with. */
export const VM = stateKey<QemuVm>('kiln_qemu_vm');
export const ACCELERATOR = stateKey<string>('kiln_accelerator');
