/**
 * The Monaco editor: one instance, showing the active document's model, remembering each model's view
 * state (scroll, cursor) across tab switches. Navigations to other files (go to definition) open their tab.
 */
import { useEffect, useRef } from 'react';
import { monaco } from '../editor/monaco';
import { THEME } from '../editor/setup';
import { pathOf } from '../workspace/documents';
import { session } from '../workspace/session';
import { useStore } from '../state/store';

export function EditorPane() {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | undefined>(undefined);
  const viewStates = useRef(new Map<string, monaco.editor.ICodeEditorViewState | null>());
  const active = useStore((s) => s.active);

  useEffect(() => {
    if (!host.current) return;
    const editor = monaco.editor.create(host.current, {
      model: null,
      theme: THEME,
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
      tabSize: 2,
      insertSpaces: true,
      fixedOverflowWidgets: true,
      ariaLabel: 'Template editor',
      quickSuggestions: { other: true, comments: false, strings: true },
      'semanticHighlighting.enabled': false,
    });
    editorRef.current = editor;
    session().attachEditor(editor);
    const opener = monaco.editor.registerEditorOpener({
      openCodeEditor(_source, resource, selectionOrPosition) {
        if (resource.scheme !== 'kiln') return false;
        const path = resource.path.replace(/^\//, '');
        const sel = selectionOrPosition;
        if (sel && 'startLineNumber' in sel) {
          void session().reveal(path, sel.startLineNumber, sel.startColumn, sel.endLineNumber, sel.endColumn);
        } else if (sel && 'lineNumber' in sel) {
          void session().reveal(path, sel.lineNumber, sel.column);
        } else {
          void session().openFile(path);
        }
        return true;
      },
    });
    const saveAction = editor.addAction({
      id: 'kiln.save',
      label: 'Save',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS],
      run: () => void session().save(),
    });
    return () => {
      saveAction.dispose();
      opener.dispose();
      session().attachEditor(undefined);
      editor.dispose();
      editorRef.current = undefined;
    };
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    const current = editor.getModel();
    const currentPath = current ? pathOf(current) : undefined;
    if (currentPath) viewStates.current.set(currentPath, editor.saveViewState());
    const model = active ? session().documents.get(active) : undefined;
    if (model === current) return;
    editor.setModel(model ?? null);
    if (active && model) {
      const state = viewStates.current.get(active);
      if (state) editor.restoreViewState(state);
      editor.updateOptions({ ariaLabel: `Editor: ${active}` });
    }
  }, [active]);

  return <div className="editor-host" ref={host} data-testid="editor" />;
}
