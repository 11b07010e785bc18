/**
 * What the editor's language service works with: documents, text edits, and the pipeline model (the
 * template as the visual editor shows it). Isomorphic: the same code answers in the renderer's web worker
 * and in tests.
 */
import type { ComponentKind } from '../model';
import type { Range } from '../source';

export type DocumentFormat = 'hcl' | 'json';

/** Which format a file is, by its name (`*.json` is JSON, everything else HCL). */
export function formatOf(path: string): DocumentFormat {
  return /\.json$/i.test(path) ? 'json' : 'hcl';
}

/** Replace `length` UTF-16 code units at `offset` with `text`. Edits of one list never overlap. */
export interface TextEdit {
  offset: number;
  length: number;
  text: string;
}

/** Applies non-overlapping edits (in any order) to a text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => b.offset - a.offset || b.length - a.length);
  let out = text;
  for (const e of sorted) out = out.slice(0, e.offset) + e.text + out.slice(e.offset + e.length);
  return out;
}

export interface FileEdits {
  file: string;
  edits: TextEdit[];
}

/** A literal JSON-like value, as forms produce and `set` writes. */
export type LiteralValue =
  string | number | boolean | null | LiteralValue[] | { [key: string]: LiteralValue };

/** One attribute of a block as written. */
export interface PipelineAttribute {
  key: string;
  keyRange: Range;
  valueRange: Range;
  /** The value's source text. */
  text: string;
  /** The value when it is a literal (no references, no function calls, no interpolation); else absent. */
  literal?: LiteralValue;
}

export type PipelineBlockRole = 'source' | 'provisioner' | 'post-processor' | 'error-cleanup-provisioner';

/** A source/builder, provisioner or post-processor as written, addressed as in model.ts. */
export interface PipelineBlock {
  /** e.g. `source.qemu.ubuntu`, `build[0].provisioner[2]`, `provisioners[2]`, `post-processors[1][0]`. */
  address: string;
  role: PipelineBlockRole;
  kind: ComponentKind;
  type: string;
  /** Source name, or the `name` meta-argument of a provisioner/post-processor. */
  name?: string;
  file: string;
  range: Range;
  /** Where the type is written (the label, or the `"type"` value). */
  typeRange: Range;
  attributes: PipelineAttribute[];
  /** Nested blocks (HCL) or object-valued keys (JSON), by name and where they are. */
  nested: { name: string; range: Range }[];
  /** True for a breakpoint provisioner with `disable = true`. */
  disabled: boolean;
}

export interface PipelineChain {
  /** `build[0].post-processors[1]` (a `post-processors` block or a JSON array) or the single step's address. */
  address: string;
  /** True when written as a chain (`post-processors { }` / a JSON array); false for one `post-processor`. */
  chain: boolean;
  range: Range;
  steps: PipelineBlock[];
}

export interface PipelineSourceRef {
  /** As written: `source.qemu.x` or `qemu.x` (HCL), the builder name (JSON). */
  ref: string;
  /** The address of the source block it names, when one exists. */
  target?: string;
  range: Range;
}

export interface PipelineBuild {
  /** `build[0]` for HCL (index over every file of the folder in load order); `build` for JSON's implicit build. */
  address: string;
  name?: string;
  file: string;
  range?: Range;
  sources: PipelineSourceRef[];
  provisioners: PipelineBlock[];
  errorCleanupProvisioner?: PipelineBlock;
  postProcessors: PipelineChain[];
}

export interface SymbolInfo {
  name: string;
  file: string;
  range: Range;
  /** The name's own range (a label or key). */
  nameRange: Range;
}

/** The template's structure across all its files, read from syntax so it stays visible while it has errors. */
export interface PipelineModel {
  format: DocumentFormat;
  sources: PipelineBlock[];
  builds: PipelineBuild[];
  variables: SymbolInfo[];
  locals: SymbolInfo[];
}

/** A change the visual editor asks for; `languageEdits` turns it into minimal text edits. */
export type PipelineEdit =
  | { op: 'set'; address: string; key: string; value: LiteralValue }
  | { op: 'set-expression'; address: string; key: string; expression: string }
  | { op: 'unset'; address: string; key: string }
  | { op: 'remove'; address: string }
  | { op: 'move'; address: string; to: number }
  | { op: 'add'; build: string; role: 'provisioner' | 'post-processor'; type: string; index?: number }
  | { op: 'set-disabled'; address: string; disabled: boolean };

export type CompletionKind =
  | 'block'
  | 'attribute'
  | 'component-type'
  | 'variable'
  | 'local'
  | 'source'
  | 'function'
  | 'value'
  | 'keyword';

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** One line shown beside the label: a type, a signature. */
  detail?: string;
  /** Markdown shown in the side panel. */
  documentation?: string;
  /** What to insert; with `snippet`, a snippet with `${1:placeholder}` tab stops. */
  insertText: string;
  snippet?: boolean;
  sortText?: string;
}

export interface CompletionList {
  items: CompletionItem[];
  /** The offsets of the text the items replace (the word being typed). */
  from: number;
  to: number;
}

export interface HoverInfo {
  markdown: string;
  from: number;
  to: number;
}

export interface DefinitionTarget {
  file: string;
  range: Range;
}

export interface DocumentSymbolInfo {
  name: string;
  detail: string;
  kind: 'block' | 'attribute' | 'variable' | 'local' | 'source' | 'build' | 'provisioner' | 'post-processor';
  range: Range;
  selectionRange: Range;
  children: DocumentSymbolInfo[];
}

/** A function templates can call, for completion and hover. */
export interface FunctionInfo {
  name: string;
  /** e.g. `lookup(inputMap map, key string, default any) any` */
  signature: string;
  doc?: string;
}
