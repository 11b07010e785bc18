/**
 * Loads a template of either format into the one model: a directory or `*.pkr.hcl` is HCL2, anything
 * else legacy JSON (Packer's own rule).
 */
import type { TemplateHost } from './host';
import type { LoadedTemplate } from './model';
import { error } from './source';
import { loadHclTemplate } from './hcl2/load';
import type { DataSourceValues } from './hcl2/data-values';
import { isHclTemplatePath } from './hcl2/files';
import { loadJsonTemplate } from './json/load';
import { packerJsonError, type PackerJsonStage } from './json/diagnostics';

/** The stages of a JSON template that `-syntax-only` checks (Packer's template.Parse). */
const SYNTAX_STAGES: ReadonlySet<PackerJsonStage> = new Set([
  'syntax',
  'duplicate',
  'root-decode',
  'comment',
  'root-key',
  'parse',
]);

export interface LoadOptions {
  /** `-var name=value`, in command-line order. */
  vars: [string, string][];
  /** `-var-file` paths, in command-line order. */
  varFiles: string[];
  /** Read the structure only (`validate -syntax-only`). */
  syntaxOnly?: boolean;
  /** HCL2: outputs of the data sources a build has run (electron/engine/build/data-sources.ts). */
  dataValues?: DataSourceValues;
}

export function loadTemplate(path: string, options: LoadOptions, host: TemplateHost): LoadedTemplate {
  if (isHclTemplatePath(path, host)) return loadHclTemplate(path, options, host);
  let text: string;
  try {
    text = host.readFile(path);
  } catch (e) {
    return {
      format: 'json',
      path,
      files: [path],
      variables: [],
      locals: [],
      sources: [],
      dataSources: [],
      buildBlocks: [],
      builds: [],
      sensitiveValues: [],
      diagnostics: [error('Failed to read template', (e as Error).message)],
    };
  }
  const template = loadJsonTemplate(path, text, options, host);
  if (!options.syntaxOnly) return template;
  const syntax = template.diagnostics.filter((d) => {
    const stage = packerJsonError(d)?.stage;
    return stage !== undefined && SYNTAX_STAGES.has(stage);
  });
  return { ...template, diagnostics: syntax };
}
