/**
 * The Monaco text models of the open workspace, one per file, and whether each differs from what is on
 * disk. The models are the single source of truth for document text: the editor shows them, the pipeline
 * view's edits are applied to them, and the language worker mirrors them change by change.
 */
import { monaco } from '../editor/monaco';
import { HCL_LANGUAGE_ID } from '../editor/hclLanguage';
import { JSON_LANGUAGE_ID } from '../editor/jsonLanguage';
import type { DocLanguage } from '../state/store';

export function languageOf(path: string): DocLanguage {
  if (/\.json$/i.test(path)) return 'json';
  if (/\.hcl$/i.test(path)) return 'hcl';
  return 'text';
}

const monacoLanguage: Record<DocLanguage, string> = {
  hcl: HCL_LANGUAGE_ID,
  json: JSON_LANGUAGE_ID,
  text: 'plaintext',
};

export function uriOf(path: string): monaco.Uri {
  return monaco.Uri.from({ scheme: 'kiln', path: `/${path}` });
}

/** The workspace path of a model's URI. */
export function pathOf(model: monaco.editor.ITextModel): string | undefined {
  return model.uri.scheme === 'kiln' ? model.uri.path.replace(/^\//, '') : undefined;
}

export class Documents {
  private readonly models = new Map<string, monaco.editor.ITextModel>();
  private readonly savedAt = new Map<string, number>();

  open(path: string, text: string): monaco.editor.ITextModel {
    const existing = this.models.get(path);
    if (existing) return existing;
    const model = monaco.editor.createModel(text, monacoLanguage[languageOf(path)], uriOf(path));
    model.setEOL(monaco.editor.EndOfLineSequence.LF);
    this.models.set(path, model);
    this.savedAt.set(path, model.getAlternativeVersionId());
    return model;
  }

  get(path: string): monaco.editor.ITextModel | undefined {
    return this.models.get(path);
  }

  paths(): string[] {
    return [...this.models.keys()];
  }

  /** Replaces the whole text as one undoable edit (reload from disk). */
  replace(path: string, text: string): void {
    const model = this.models.get(path);
    if (!model) return;
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text }], () => null);
    this.markSaved(path);
  }

  markSaved(path: string): void {
    const model = this.models.get(path);
    if (model) this.savedAt.set(path, model.getAlternativeVersionId());
  }

  isDirty(path: string): boolean {
    const model = this.models.get(path);
    return model !== undefined && model.getAlternativeVersionId() !== this.savedAt.get(path);
  }

  close(path: string): void {
    this.models.get(path)?.dispose();
    this.models.delete(path);
    this.savedAt.delete(path);
  }

  dispose(): void {
    for (const model of this.models.values()) model.dispose();
    this.models.clear();
    this.savedAt.clear();
  }
}
