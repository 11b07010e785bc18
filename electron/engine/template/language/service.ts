/**
 * The language service of one workspace: the documents as the editor has them, the template's checks and
 * pipeline model, and the answers to completion, hover, definition, symbols, format and visual edits.
 * Isomorphic: the renderer runs it in a web worker, tests run it directly.
 */
import type { Diagnostic } from '../source';
import { DocumentFiles, type PathKind } from './documentHost';
import { jsonEdits } from './jsonEdits';
import { jsonPipeline } from './jsonStructure';
import type { TemplateHost } from '../host';
import {
  formatOf,
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
}

export interface CheckOutcome {
  /** False when files must be fetched first (see `missing`); the result is then not worth showing. */
  complete: boolean;
  missingFiles: string[];
  missingStats: string[];
  diagnostics: Diagnostic[];
  pipeline: PipelineModel | null;
}

export class TemplateWorkspace {
  readonly files: DocumentFiles;
  private varFiles: string[] = [];

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
    const pipeline = this.pipeline();
    return {
      complete: !this.files.incomplete,
      missingFiles: [...this.files.missingFiles],
      missingStats: [...this.files.missingStats],
      diagnostics,
      pipeline,
    };
  }

  /** Diagnostics name files relative to the workspace root, as the editor's documents are named. */
  private relativeDiagnostic(d: Diagnostic): Diagnostic {
    if (!d.range) return d;
    const rel = this.files.relative(d.range.file);
    return rel === undefined || rel === d.range.file ? d : { ...d, range: { ...d.range, file: rel } };
  }

  pipeline(): PipelineModel | null {
    const files = this.templateFiles();
    const first = files[0];
    if (!first) return null;
    if (formatOf(first) === 'json') {
      const text = this.files.document(first);
      return text === undefined ? null : jsonPipeline(first, text);
    }
    return null;
  }

  complete(_path: string, offset: number): CompletionList {
    return { items: [], from: offset, to: offset };
  }

  hover(_path: string, _offset: number): HoverInfo | null {
    return null;
  }

  definition(_path: string, _offset: number): DefinitionTarget[] {
    return [];
  }

  symbols(_path: string): DocumentSymbolInfo[] {
    return [];
  }

  format(path: string): TextEdit[] {
    throw new Error(`formatting ${path} is not available yet`);
  }

  edit(edit: PipelineEdit): FileEdits[] {
    const file = this.fileOfAddress(edit);
    const text = this.files.document(file);
    if (text === undefined) throw new Error(`${file} is not open`);
    if (formatOf(file) === 'json') return [{ file, edits: jsonEdits(text, edit) }];
    throw new Error('visual edits of HCL templates are not available yet');
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
