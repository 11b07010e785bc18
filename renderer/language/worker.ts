/**
 * The language worker: runs the isomorphic template module next to the UI thread. It mirrors the open
 * documents change by change, checks the template once per burst of changes (never per message), asks the
 * UI for files the check needs, and answers editor requests from its own copy.
 */
import { templateChecker } from '../../electron/engine/template/language/checker';
import { templateFunctions } from '../../electron/engine/template/language/functions';
import { TemplateWorkspace } from '../../electron/engine/template/language/service';
import type { FromWorker, LanguageRequest, ToWorker } from './protocol';

/** The worker's global scope (the DOM lib types `self` as a Window). */
const scope = self as unknown as {
  postMessage(message: FromWorker): void;
  onmessage: ((ev: MessageEvent<ToWorker>) => void) | null;
};

let workspace: TemplateWorkspace | undefined;
const texts = new Map<string, string>();
const versions = new Map<string, number>();
let scheduled = false;
let pipelineWanted = false;

function post(message: FromWorker): void {
  scope.postMessage(message);
}

function scheduleCheck(): void {
  if (scheduled) return;
  scheduled = true;
  // A macrotask: every message already queued (a burst of keystrokes) is applied before the check runs.
  setTimeout(runCheck, 0);
}

function runCheck(): void {
  scheduled = false;
  if (!workspace) return;
  const started = performance.now();
  const outcome = workspace.check();
  if (!outcome.complete) {
    post({ type: 'need', files: outcome.missingFiles, stats: outcome.missingStats });
    return;
  }
  post({
    type: 'checked',
    versions: Object.fromEntries(versions),
    diagnostics: outcome.diagnostics,
    elapsedMs: performance.now() - started,
    checker: 'validate',
  });
  // The pipeline model comes second, off the keystroke-to-diagnostic path, and only while it is shown.
  if (pipelineWanted) postPipeline();
}

function postPipeline(): void {
  if (!workspace) return;
  post({ type: 'pipeline', versions: Object.fromEntries(versions), pipeline: workspace.pipeline() });
}

function answer(request: LanguageRequest): unknown {
  if (!workspace) throw new Error('no template is open');
  switch (request.kind) {
    case 'complete':
      return workspace.complete(request.path, request.offset);
    case 'hover':
      return workspace.hover(request.path, request.offset);
    case 'definition':
      return workspace.definition(request.path, request.offset);
    case 'symbols':
      return workspace.symbols(request.path);
    case 'format':
      return workspace.format(request.path);
    case 'edit':
      return workspace.edit(request.edit);
  }
}

function applyChanges(path: string, changes: { offset: number; length: number; text: string }[]): void {
  let text = texts.get(path) ?? '';
  // Monaco reports the changes of one edit against the text before it, in descending offset order.
  const sorted = [...changes].sort((a, b) => b.offset - a.offset);
  for (const c of sorted) text = text.slice(0, c.offset) + c.text + text.slice(c.offset + c.length);
  texts.set(path, text);
  workspace?.setDocument(path, text);
}

scope.onmessage = (ev: MessageEvent<ToWorker>) => {
  const message = ev.data;
  switch (message.type) {
    case 'init':
      texts.clear();
      versions.clear();
      workspace = new TemplateWorkspace({
        root: message.workspace.root,
        kind: message.workspace.kind,
        entry: message.workspace.entry,
        checker: templateChecker,
        functions: templateFunctions(),
      });
      workspace.setTree(message.workspace.tree);
      workspace.setVarFiles(message.varFiles);
      for (const d of message.documents) {
        texts.set(d.path, d.text);
        versions.set(d.path, d.version);
        workspace.setDocument(d.path, d.text);
      }
      scheduleCheck();
      return;
    case 'open':
      texts.set(message.path, message.text);
      versions.set(message.path, message.version);
      workspace?.setDocument(message.path, message.text);
      scheduleCheck();
      return;
    case 'change':
      applyChanges(message.path, message.changes);
      versions.set(message.path, message.version);
      scheduleCheck();
      return;
    case 'close':
      texts.delete(message.path);
      versions.delete(message.path);
      workspace?.closeDocument(message.path);
      scheduleCheck();
      return;
    case 'tree':
      workspace?.setTree(message.tree);
      scheduleCheck();
      return;
    case 'file':
      workspace?.files.setFile(message.path, message.text);
      scheduleCheck();
      return;
    case 'stat':
      workspace?.files.setStat(message.path, message.kind);
      scheduleCheck();
      return;
    case 'invalidate':
      workspace?.files.invalidate(message.path);
      scheduleCheck();
      return;
    case 'var-files':
      workspace?.setVarFiles(message.files);
      scheduleCheck();
      return;
    case 'pipeline-wanted':
      pipelineWanted = message.wanted;
      if (pipelineWanted) postPipeline();
      return;
    case 'request':
      try {
        post({ type: 'response', id: message.id, ok: true, result: answer(message.request) });
      } catch (err) {
        post({
          type: 'response',
          id: message.id,
          ok: false,
          error: err instanceof Error ? err.message : String(err),
        });
      }
  }
};
