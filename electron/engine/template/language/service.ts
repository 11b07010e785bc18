/**
 * The language service of one workspace: the documents as the editor has them, the template's checks and
 * pipeline model, and the answers to completion, hover, definition, symbols, format and visual edits.
 * Isomorphic: the renderer runs it in a web worker, tests run it directly.
 */
import { format as formatJson } from 'jsonc-parser';
import { formatHcl } from '../hcl/fmt';
import type { TemplateHost } from '../host';
import { hasErrors, type Diagnostic } from '../source';
import { DocumentFiles, type PathKind } from './documentHost';
import { hclComplete, hclDefinition, hclHover, hclSymbols, type HclLanguageEnv } from './hclFeatures';
import { hclEdits } from './hclEdits';
import { hclPipeline, parseHclDocument, type HclDocument } from './hclStructure';
import { detectFormatting, jsonEdits } from './jsonEdits';
import { jsonComplete, jsonDefinition, jsonHover, jsonSymbols } from './jsonFeatures';
import { jsonPipeline } from './jsonStructure';
import {
  formatOf,
  type FunctionInfo,
  type CompletionList,
  type DefinitionTarget,
  type DocumentSymbolInfo,
  type FileEdits,
  type HoverInfo,
  type PipelineEdit,
  type PipelineModel,
  type TextEdit,
} from './types';

/** Checks a template (file or folder) through a host and returns every diagnostic. */
export type TemplateChecker = (
  entry: string,
  options: { varFiles: string[] },
  host: TemplateHost,
) => Diagnostic[];

export interface WorkspaceOptions {
  root: string;
  kind: 'file' | 'folder';
  /** `.` for a folder, else the template file relative to root. */
  entry: string;
  homeDir?: string;
  checker?: TemplateChecker;
  /** The functions templates can call, for completion and hover. */
  functions?: readonly FunctionInfo[];
}

/** One edit replacing only what differs between two texts (their common start and end kept). */
export function minimalEdit(before: string, after: string): TextEdit[] {
  if (before === after) return [];
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (
    end < max - start &&
    before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)
  )
    end++;
  return [
    { offset: start, length: before.length - end - start, text: after.slice(start, after.length - end) },
  ];
}

export interface CheckOutcome {
  /** False when files must be fetched first (see `missing`); the result is then not worth showing. */
  complete: boolean;
  missingFiles: string[];
  missingStats: string[];
  diagnostics: Diagnostic[];
}

export class TemplateWorkspace {
  readonly files: DocumentFiles;
  private varFiles: string[] = [];
  private readonly parsed = new Map<string, HclDocument>();

  constructor(readonly options: WorkspaceOptions) {
    this.files = new DocumentFiles({
      root: options.root,
      ...(options.homeDir ? { homeDir: options.homeDir } : {}),
    });
  }

  setDocument(path: string, text: string): void {
    this.files.setDocument(path, text);
  }

  closeDocument(path: string): void {
    this.files.closeDocument(path);
  }

  setTree(entries: readonly { path: string; kind: PathKind }[], complete = true): void {
    this.files.setTree(entries, complete);
  }

  setVarFiles(files: string[]): void {
    this.varFiles = [...files];
  }

  /** The template files that make up the template, in the order the loader reads them. */
  templateFiles(): string[] {
    if (this.options.kind === 'file') return [this.options.entry];
    return this.files
      .documentPaths()
      .filter((p) => !p.includes('/') && /\.pkr\.(hcl|json)$/.test(p))
      .sort();
  }

  check(): CheckOutcome {
    this.files.resetMissing();
    const diagnostics: Diagnostic[] = [];
    if (this.options.checker) {
      const found = this.options.checker(this.options.entry, { varFiles: this.varFiles }, this.files.host());
      for (const d of found) diagnostics.push(this.relativeDiagnostic(d));
    }
    return {
      complete: !this.files.incomplete,
      missingFiles: [...this.files.missingFiles],
      missingStats: [...this.files.missingStats],
      diagnostics,
    };
  }

  /** Diagnostics name files relative to the workspace root, as the editor's documents are named. */
  private relativeDiagnostic(d: Diagnostic): Diagnostic {
    if (!d.range) return d;
    const rel = this.files.relative(d.range.file);
    return rel === undefined || rel === d.range.file ? d : { ...d, range: { ...d.range, file: rel } };
  }

  /** The parsed HCL document of a path, re-parsed only when its text changed. */
  hclDocument(path: string): HclDocument | undefined {
    const text = this.files.document(path);
    if (text === undefined) return undefined;
    const cached = this.parsed.get(path);
    if (cached?.text === text) return cached;
    const doc = parseHclDocument(path, text);
    this.parsed.set(path, doc);
    return doc;
  }

  private hclDocuments(): HclDocument[] {
    return this.templateFiles()
      .filter((f) => formatOf(f) === 'hcl')
      .map((f) => this.hclDocument(f))
      .filter((d): d is HclDocument => d !== undefined);
  }

  pipeline(): PipelineModel | null {
    const files = this.templateFiles();
    const first = files[0];
    if (!first) return null;
    if (formatOf(first) === 'json') {
      const text = this.files.document(first);
      return text === undefined ? null : jsonPipeline(first, text);
    }
    return hclPipeline(this.hclDocuments());
  }

  private hclEnv(): HclLanguageEnv {
    const documents = this.hclDocuments();
    return { documents, pipeline: hclPipeline(documents), functions: this.options.functions ?? [] };
  }

  /** A document of the workspace the request is about; HCL var files and scripts count too. */
  private docFor(path: string): { text: string; format: 'hcl' | 'json'; hcl?: HclDocument } {
    const text = this.files.document(path);
    if (text === undefined) throw new Error(`${path} is not open`);
    const format = formatOf(path);
    return format === 'hcl' ? { text, format, hcl: this.hclDocument(path)! } : { text, format };
  }

  complete(path: string, offset: number): CompletionList {
    const doc = this.docFor(path);
    return doc.hcl ? hclComplete(doc.hcl, offset, this.hclEnv()) : jsonComplete(doc.text, offset);
  }

  hover(path: string, offset: number): HoverInfo | null {
    const doc = this.docFor(path);
    return doc.hcl ? hclHover(doc.hcl, offset, this.hclEnv()) : jsonHover(doc.text, offset);
  }

  definition(path: string, offset: number): DefinitionTarget[] {
    const doc = this.docFor(path);
    return doc.hcl ? hclDefinition(doc.hcl, offset, this.hclEnv()) : jsonDefinition(path, doc.text, offset);
  }

  symbols(path: string): DocumentSymbolInfo[] {
    const doc = this.docFor(path);
    return doc.hcl ? hclSymbols(doc.hcl) : jsonSymbols(path, doc.text);
  }

  /** `packer fmt`'s layout for HCL (refused while the file has syntax errors); JSON in its own indentation. */
  format(path: string): TextEdit[] {
    const doc = this.docFor(path);
    if (doc.format === 'json') {
      return formatJson(doc.text, undefined, detectFormatting(doc.text)).map((e) => ({
        offset: e.offset,
        length: e.length,
        text: e.content,
      }));
    }
    const result = formatHcl(doc.text, path);
    if (hasErrors(result.diagnostics)) {
      const first = result.diagnostics.find((d) => d.severity === 'error')!;
      const where = first.range ? ` (line ${first.range.start.line})` : '';
      throw new Error(`${path} has a syntax error${where}: ${first.summary}. Fix it before formatting.`);
    }
    return minimalEdit(doc.text, result.text);
  }

  edit(edit: PipelineEdit): FileEdits[] {
    const file = this.fileOfAddress(edit);
    const text = this.files.document(file);
    if (text === undefined) throw new Error(`${file} is not open`);
    if (formatOf(file) === 'json') return [{ file, edits: jsonEdits(text, edit) }];
    return [hclEdits(this.hclDocuments(), edit)];
  }

  private fileOfAddress(edit: PipelineEdit): string {
    const pipeline = this.pipeline();
    const address = edit.op === 'add' ? edit.build : edit.address;
    if (pipeline?.format === 'json') return this.templateFiles()[0];
    for (const b of pipeline?.builds ?? []) {
      if (b.address === address || address.startsWith(`${b.address}.`)) return b.file;
    }
    const source = pipeline?.sources.find((s) => s.address === address);
    if (source) return source.file;
    throw new Error(`${address} is not in the template any more`);
  }
}
