/**
 * Which files make up an HCL2 template: one `*.pkr.hcl` file, or every `*.pkr.hcl` in a folder (not
 * recursive), plus the folder's `*.auto.pkrvars.hcl` files, in lexical order as Packer loads them.
 */
import type { TemplateHost } from '../host';
import type { Diagnostic } from '../source';
import { error } from '../source';
import { joinPath } from '../paths';

export const HCL_CONFIG_SUFFIX = '.pkr.hcl';
export const HCL_JSON_CONFIG_SUFFIX = '.pkr.json';
export const AUTO_VARFILE_SUFFIXES = ['.auto.pkrvars.hcl', '.auto.pkrvars.json'];

export interface HclFileSet {
  /** The folder the template lives in (`path.root`). */
  root: string;
  configFiles: string[];
  autoVarFiles: string[];
  diagnostics: Diagnostic[];
}

const hidden = (name: string) =>
  name.startsWith('.') || name.startsWith('~') || (name.startsWith('#') && name.endsWith('#'));

export function isHclTemplatePath(path: string, host: TemplateHost): boolean {
  return (
    path.endsWith(HCL_CONFIG_SUFFIX) || path.endsWith(HCL_JSON_CONFIG_SUFFIX) || host.stat(path) === 'dir'
  );
}

export function findHclFiles(path: string, host: TemplateHost): HclFileSet {
  const kind = host.stat(path);
  if (kind === 'file') {
    const slash = path.lastIndexOf('/');
    return {
      root: slash < 0 ? '.' : path.slice(0, slash) || '/',
      configFiles: [path],
      autoVarFiles: [],
      diagnostics: [],
    };
  }
  if (kind !== 'dir') {
    return {
      root: path,
      configFiles: [],
      autoVarFiles: [],
      diagnostics: [error('Could not find a template', `stat ${path}: no such file or directory`)],
    };
  }
  const entries = host
    .readDir(path)
    .filter((e) => !e.isDirectory && !hidden(e.name))
    .map((e) => e.name)
    .sort();
  const configFiles = entries.filter(
    (n) => n.endsWith(HCL_CONFIG_SUFFIX) || n.endsWith(HCL_JSON_CONFIG_SUFFIX),
  );
  const autoVarFiles = [
    ...entries.filter((n) => n.endsWith(AUTO_VARFILE_SUFFIXES[0])),
    ...entries.filter((n) => n.endsWith(AUTO_VARFILE_SUFFIXES[1])),
  ];
  const diagnostics: Diagnostic[] = [];
  if (configFiles.length === 0) {
    diagnostics.push(
      error(
        `Could not find any config file in ${path}`,
        'A config file must be suffixed with `.pkr.hcl` or `.pkr.json`. A folder can be referenced.',
      ),
    );
  }
  return {
    root: path,
    configFiles: configFiles.map((n) => joinPath(path, n)),
    autoVarFiles: autoVarFiles.map((n) => joinPath(path, n)),
    diagnostics,
  };
}
