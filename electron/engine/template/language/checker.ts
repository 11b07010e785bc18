/**
 * The checks the editor runs as the author types, through the same TemplateHost as the CLI. HCL2 files
 * get the parser's diagnostics (every file of a folder and the chosen variable files); JSON templates get
 * the JSON loader's parse and validate stages with Packer's messages.
 */
import { parseHclFile } from '../hcl/parser';
import type { TemplateHost } from '../host';
import { loadJsonTemplate } from '../json/load';
import type { Diagnostic } from '../source';
import type { TemplateChecker } from './service';

function hclFilesOf(entry: string, host: TemplateHost): string[] {
  if (host.stat(entry) === 'file') return [entry];
  const prefix = entry === '.' ? '' : `${entry}/`;
  return host
    .readDir(entry)
    .filter((e) => !e.isDirectory && /\.pkr\.hcl$/.test(e.name))
    .map((e) => `${prefix}${e.name}`)
    .sort();
}

export const syntaxChecker: TemplateChecker = (entry, options, host) => {
  if (/\.json$/i.test(entry)) {
    let text: string;
    try {
      text = host.readFile(entry);
    } catch (err) {
      return [{ severity: 'error', summary: 'Cannot read the template', detail: (err as Error).message }];
    }
    return loadJsonTemplate(entry, text, { vars: [], varFiles: options.varFiles }, host).diagnostics;
  }
  const diagnostics: Diagnostic[] = [];
  for (const file of [...hclFilesOf(entry, host), ...options.varFiles.filter((f) => /\.hcl$/.test(f))]) {
    diagnostics.push(...parseHclFile(file, host.readFile(file)).diagnostics);
  }
  return diagnostics;
};
