/**
 * The Monaco editor: one instance, showing the active document's model, remembering each model's view
 * state (scroll, cursor) across tab switches. Navigations to other files (go to definition) open their tab.
 */
import { useEffect, useRef } from 'react';
import { blockAt, breakpointBlockAtLine } from '../builds/blocks';
import { pausedAddresses } from '../builds/live';
import { useBuilds } from '../builds/store';
import { monaco } from '../editor/monaco';
import { notify } from '../state/store';
import { EDITOR_LOOK } from '../editor/setup';
import { pathOf } from '../workspace/documents';
import { session } from '../workspace/session';
import { useStore } from '../state/store';

export function EditorPane() {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | undefined>(undefined);
  const viewStates = useRef(new Map<string, monaco.editor.ICodeEditorViewState | null>());
  const active = useStore((s) => s.active);
  const pipeline = useStore((s) => s.pipeline);
  const breakpoints = useStore((s) => s.workspace?.breakpoints);
  // A string, not an array: a selector must return the same value while nothing changed.
  const pausedKey = useBuilds((s) => pausedAddresses(s).join('\n'));
  const decorations = useRef<monaco.editor.IEditorDecorationsCollection | undefined>(undefined);

  useEffect(() => {
    if (!host.current) return;
    const editor = monaco.editor.create(host.current, {
      ...EDITOR_LOOK,
      model: null,
      automaticLayout: true,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      renderWhitespace: 'selection',
      tabSize: 2,
      insertSpaces: true,
      fixedOverflowWidgets: true,
      ariaLabel: 'Template editor',
      quickSuggestions: { other: true, comments: false, strings: true },
      'semanticHighlighting.enabled': false,
      glyphMargin: true,
    });
    performance.mark('kiln:editor-created');
    editorRef.current = editor;
    decorations.current = editor.createDecorationsCollection();
    /** Breakpoints go on provisioners and post-processors, keyed by address: the file is not changed. */
    const toggleAt = (line: number) => {
      const path = editor.getModel() ? pathOf(editor.getModel()!) : undefined;
      const block = path ? breakpointBlockAtLine(useStore.getState().pipeline, path, line) : undefined;
      if (!block) {
        notify('info', 'A breakpoint goes on a provisioner or a post-processor: put the cursor in one.');
        return;
      }
      void session().toggleBreakpoint(block.address);
    };
    const gutter = editor.onMouseDown((e) => {
      if (e.target.type !== monaco.editor.MouseTargetType.GUTTER_GLYPH_MARGIN) return;
      const line = e.target.position?.lineNumber;
      if (line) toggleAt(line);
    });
    const breakpointAction = editor.addAction({
      id: 'kiln.toggleBreakpoint',
      label: 'Toggle Breakpoint',
      keybindings: [monaco.KeyCode.F9],
      run: () => {
        const line = editor.getPosition()?.lineNumber;
        if (line) toggleAt(line);
      },
    });
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
      gutter.dispose();
      breakpointAction.dispose();
      decorations.current = undefined;
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
    if (model) performance.mark('kiln:model-shown');
    if (active && model) {
      const state = viewStates.current.get(active);
      if (state) editor.restoreViewState(state);
      editor.updateOptions({ ariaLabel: `Editor: ${active}` });
    }
  }, [active]);

  // Breakpoint dots in the gutter, and the block a paused build stopped at.
  useEffect(() => {
    const collection = decorations.current;
    if (!collection) return;
    const list: monaco.editor.IModelDeltaDecoration[] = [];
    for (const address of breakpoints ?? []) {
      const block = blockAt(pipeline, address);
      if (!block || block.file !== active) continue;
      const line = block.range.start.line;
      list.push({
        range: new monaco.Range(line, 1, line, 1),
        options: {
          glyphMarginClassName: 'kiln-breakpoint',
          glyphMarginHoverMessage: { value: `Breakpoint: the build pauses before ${address}` },
          stickiness: monaco.editor.TrackedRangeStickiness.NeverGrowsWhenTypingAtEdges,
        },
      });
    }
    for (const address of pausedKey ? pausedKey.split('\n') : []) {
      const block = blockAt(pipeline, address);
      if (!block || block.file !== active) continue;
      const { start, end } = block.range;
      list.push({
        range: new monaco.Range(start.line, 1, end.line, 1),
        options: {
          isWholeLine: true,
          className: 'kiln-paused-line',
          linesDecorationsClassName: 'kiln-paused-marker',
          hoverMessage: { value: `The build is paused here (${address})` },
        },
      });
    }
    collection.set(list);
  }, [active, pipeline, breakpoints, pausedKey]);

  return <div className="editor-host" ref={host} data-testid="editor" />;
}
