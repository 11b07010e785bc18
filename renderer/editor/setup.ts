/**
 * Registers Kiln's languages with Monaco (HCL2 and Packer JSON), its theme, and the providers that ask the
 * language worker for completion, hover, definitions, document symbols and formatting. Providers answer
 * from the worker's copy of the documents, so they never wait on the Api.
 */
import type { CompletionKind, DocumentSymbolInfo } from '../../electron/engine/template/language/types';
import type { Range as SourceRange } from '../../electron/engine/template/source';
import { HCL_LANGUAGE_ID, hclLanguageConfiguration, hclMonarch } from './hclLanguage';
import { JSON_LANGUAGE_ID, jsonLanguageConfiguration, jsonMonarch } from './jsonLanguage';
import { monaco } from './monaco';
import type { LanguageClient } from '../language/client';
import { uriOf, pathOf } from '../workspace/documents';

export const THEME = 'kiln-dark';

/** The editor's look: shared by the real editor and the warm-up, so the warm-up's font measurement is reused. */
export const EDITOR_LOOK = { theme: THEME, fontSize: 13 } as const;

/**
 * Pays Monaco's once-per-page costs while the page would otherwise idle (on the start screen, or while a
 * template is read from disk): its services, the theme's CSS, the font measurement (cached by font) and the
 * first style pass over its CSS. A throwaway editor off screen, gone again at once; the real editor then
 * starts without them.
 */
export function warmUpEditor(): void {
  const host = document.createElement('div');
  host.setAttribute('aria-hidden', 'true');
  host.style.cssText = 'position:fixed;left:-10000px;top:0;width:400px;height:200px;visibility:hidden';
  document.body.appendChild(host);
  try {
    monaco.editor.create(host, { ...EDITOR_LOOK, model: null, minimap: { enabled: false } }).dispose();
  } finally {
    host.remove();
  }
}

const completionKinds: Record<CompletionKind, monaco.languages.CompletionItemKind> = {
  block: monaco.languages.CompletionItemKind.Module,
  attribute: monaco.languages.CompletionItemKind.Property,
  'component-type': monaco.languages.CompletionItemKind.Class,
  variable: monaco.languages.CompletionItemKind.Variable,
  local: monaco.languages.CompletionItemKind.Variable,
  source: monaco.languages.CompletionItemKind.Reference,
  function: monaco.languages.CompletionItemKind.Function,
  value: monaco.languages.CompletionItemKind.Value,
  keyword: monaco.languages.CompletionItemKind.Keyword,
};

const symbolKinds: Record<DocumentSymbolInfo['kind'], monaco.languages.SymbolKind> = {
  block: monaco.languages.SymbolKind.Namespace,
  attribute: monaco.languages.SymbolKind.Property,
  variable: monaco.languages.SymbolKind.Variable,
  local: monaco.languages.SymbolKind.Variable,
  source: monaco.languages.SymbolKind.Class,
  build: monaco.languages.SymbolKind.Module,
  provisioner: monaco.languages.SymbolKind.Function,
  'post-processor': monaco.languages.SymbolKind.Event,
};

function toMonacoRange(r: SourceRange): monaco.IRange {
  return {
    startLineNumber: r.start.line,
    startColumn: r.start.column,
    endLineNumber: r.end.line,
    endColumn: r.end.column,
  };
}

function toSymbol(s: DocumentSymbolInfo): monaco.languages.DocumentSymbol {
  return {
    name: s.name,
    detail: s.detail,
    kind: symbolKinds[s.kind],
    tags: [],
    range: toMonacoRange(s.range),
    selectionRange: toMonacoRange(s.selectionRange),
    children: s.children.map(toSymbol),
  };
}

let registered = false;

export function setupLanguages(language: () => LanguageClient): void {
  if (registered) return;
  registered = true;
  monaco.languages.register({ id: HCL_LANGUAGE_ID, extensions: ['.hcl'], aliases: ['HCL2', 'Packer HCL'] });
  monaco.languages.setMonarchTokensProvider(HCL_LANGUAGE_ID, hclMonarch);
  monaco.languages.setLanguageConfiguration(HCL_LANGUAGE_ID, hclLanguageConfiguration);
  monaco.languages.register({ id: JSON_LANGUAGE_ID, extensions: ['.json'], aliases: ['Packer JSON'] });
  monaco.languages.setMonarchTokensProvider(JSON_LANGUAGE_ID, jsonMonarch);
  monaco.languages.setLanguageConfiguration(JSON_LANGUAGE_ID, jsonLanguageConfiguration);

  monaco.editor.defineTheme(THEME, {
    base: 'vs-dark',
    inherit: true,
    rules: [
      { token: 'keyword.block', foreground: 'C586C0', fontStyle: 'bold' },
      { token: 'type.label', foreground: '4EC9B0' },
      { token: 'attribute.name', foreground: '9CDCFE' },
      { token: 'variable.predefined', foreground: '4FC1FF' },
      { token: 'function', foreground: 'DCDCAA' },
      { token: 'keyword.constant', foreground: '569CD6' },
      { token: 'keyword.control', foreground: 'C586C0' },
      { token: 'delimiter.interpolation', foreground: 'D7BA7D' },
      { token: 'delimiter.directive', foreground: 'D7BA7D' },
      { token: 'delimiter.template', foreground: 'D7BA7D' },
      { token: 'string.heredoc', foreground: 'CE9178' },
      { token: 'string.heredoc.delimiter', foreground: 'D7BA7D' },
      { token: 'string.escape', foreground: 'D7BA7D' },
    ],
    colors: {},
  });

  for (const id of [HCL_LANGUAGE_ID, JSON_LANGUAGE_ID]) {
    monaco.languages.registerCompletionItemProvider(id, {
      triggerCharacters: ['.', '"', '(', '=', ' '],
      async provideCompletionItems(model, position) {
        const path = pathOf(model);
        if (!path) return { suggestions: [] };
        const list = await language().request({
          kind: 'complete',
          path,
          offset: model.getOffsetAt(position),
        });
        const from = model.getPositionAt(list.from);
        const to = model.getPositionAt(list.to);
        const range = new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column);
        return {
          suggestions: list.items.map((item) => ({
            label: item.label,
            kind: completionKinds[item.kind],
            ...(item.detail ? { detail: item.detail } : {}),
            ...(item.documentation ? { documentation: { value: item.documentation } } : {}),
            insertText: item.insertText,
            ...(item.snippet
              ? { insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet }
              : {}),
            ...(item.sortText ? { sortText: item.sortText } : {}),
            range,
          })),
        };
      },
    });

    monaco.languages.registerHoverProvider(id, {
      async provideHover(model, position) {
        const path = pathOf(model);
        if (!path) return null;
        const hover = await language().request({ kind: 'hover', path, offset: model.getOffsetAt(position) });
        if (!hover) return null;
        const from = model.getPositionAt(hover.from);
        const to = model.getPositionAt(hover.to);
        return {
          contents: [{ value: hover.markdown }],
          range: new monaco.Range(from.lineNumber, from.column, to.lineNumber, to.column),
        };
      },
    });

    monaco.languages.registerDefinitionProvider(id, {
      async provideDefinition(model, position) {
        const path = pathOf(model);
        if (!path) return [];
        const targets = await language().request({
          kind: 'definition',
          path,
          offset: model.getOffsetAt(position),
        });
        return targets.map((t) => ({ uri: uriOf(t.file), range: toMonacoRange(t.range) }));
      },
    });

    monaco.languages.registerDocumentSymbolProvider(id, {
      displayName: 'Kiln',
      async provideDocumentSymbols(model) {
        const path = pathOf(model);
        if (!path) return [];
        return (await language().request({ kind: 'symbols', path })).map(toSymbol);
      },
    });

    monaco.languages.registerDocumentFormattingEditProvider(id, {
      displayName: 'Kiln',
      async provideDocumentFormattingEdits(model) {
        const path = pathOf(model);
        if (!path) return [];
        const edits = await language().request({ kind: 'format', path });
        return edits.map((e) => {
          const start = model.getPositionAt(e.offset);
          const end = model.getPositionAt(e.offset + e.length);
          return {
            range: new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column),
            text: e.text,
          };
        });
      },
    });
  }
}
