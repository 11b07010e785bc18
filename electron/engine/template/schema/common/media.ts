/** CD and floppy keys (packer-plugin-sdk commonsteps.CDConfig and FloppyConfig): files for the guest. */
import { known, str, stringList, stringMap } from '../fields';
import { globSyntaxError, isGlob, statError } from '../paths';
import type { FieldsOf, PrepareContext } from '../types';

export interface CdConfig {
  cd_files: string[];
  /** Path on the CD → content. */
  cd_content: Record<string, string>;
  cd_label: string;
}

export interface FloppyConfig {
  floppy_files: string[];
  floppy_dirs: string[];
  /** Path on the floppy → content. */
  floppy_content: Record<string, string>;
  floppy_label: string;
}

export const CD_FIELDS: FieldsOf<CdConfig> = {
  cd_files: stringList('Files and folders to put on a CD attached to the VM; globs allowed.', {
    details:
      'Folders are copied recursively. `dir` puts the folder itself at the CD root, `dir/*` its contents. ' +
      'The CD is made with xorriso (or mkisofs). A typical cloud-init seed:\n\n```hcl\ncd_files = ["./seed/meta-data", "./seed/user-data"]\ncd_label = "cidata"\n```',
    path: 'file-or-dir',
  }),
  cd_content: stringMap('Files to put on the CD from memory: path on the CD → content.', {
    details: 'Entries here win over `cd_files` entries with the same path.',
  }),
  cd_label: str('Volume label of the CD (`cidata` for a cloud-init NoCloud seed).', {
    default: { value: '', text: 'packer' },
  }),
};

export const FLOPPY_FIELDS: FieldsOf<FloppyConfig> = {
  floppy_files: stringList('Files to put at the root of a floppy attached to the VM; globs allowed.', {
    details:
      'Folders add all the files they contain (without sub-folders). Use `floppy_dirs` to keep a hierarchy.',
    path: 'file-or-dir',
  }),
  floppy_dirs: stringList('Folders to copy onto the floppy with their hierarchy; globs allowed.', {
    path: 'dir',
  }),
  floppy_content: stringMap('Files to put on the floppy from memory: path → content.'),
  floppy_label: str('Volume label of the floppy.', { default: { value: '', text: 'packer' } }),
};

/** commonsteps.CDConfig.Prepare: every plain path must exist; globs only need to be well formed. */
export function prepareCd(ctx: PrepareContext<CdConfig>): void {
  checkPaths(ctx, 'cd_files', ctx.draft.cd_files, 'Bad CD disk file');
}

/** commonsteps.FloppyConfig.Prepare. */
export function prepareFloppy(ctx: PrepareContext<FloppyConfig>): void {
  checkPaths(ctx, 'floppy_files', ctx.draft.floppy_files, 'Bad Floppy disk file');
  checkPaths(ctx, 'floppy_dirs', ctx.draft.floppy_dirs, 'Bad Floppy disk directory');
}

function checkPaths<C>(ctx: PrepareContext<C>, key: string, paths: unknown, what: string): void {
  if (!known(paths) || !Array.isArray(paths)) return;
  paths.forEach((path: unknown, i) => {
    if (typeof path !== 'string') return;
    const error = isGlob(path) ? globSyntaxError(path) : statError(ctx.host, path);
    if (error) {
      const summary = isGlob(path) ? undefined : `"${key}" names a file that does not exist`;
      ctx.error(`${what} '${path}': ${error}`, `${key}.${i}`, summary);
    }
  });
}
