/**
 * An open template: toolbar, file list, tabs with the editor or the pipeline view, problems, status bar.
 * The build view (with its consoles and xterm) loads when first shown: the editor opens without it.
 */
import { lazy, Suspense } from 'react';
import { liveRun } from '../builds/live';
import { useBuilds } from '../builds/store';
import { session } from '../workspace/session';
import { useBaseImages } from '../state/baseImages';
import { useInspector } from '../state/inspector';
import { useStore } from '../state/store';
import { OnErrorDialog } from './build/OnErrorDialog';
import { PausedBar } from './build/PausedBar';
import { MaasSettings } from './maas/MaasSettings';
import { UploadDialog } from './maas/UploadDialog';
import { TrustBanner } from './TrustBanner';
import { DiskChangeBanner } from './DiskChangeBanner';
import { EditorPane } from './EditorPane';
import { FileList } from './FileList';
import { PipelineView } from './PipelineView';
import { ProblemsPanel } from './ProblemsPanel';
import { Tabs } from './Tabs';

const BuildView = lazy(() => import('./build/BuildView').then((m) => ({ default: m.BuildView })));
const ImageInspector = lazy(() => import('./ImageInspector').then((m) => ({ default: m.ImageInspector })));
const BaseImageDialog = lazy(() => import('./BaseImageDialog').then((m) => ({ default: m.BaseImageDialog })));

function Toolbar() {
  const view = useStore((s) => s.view);
  const problemsOpen = useStore((s) => s.problemsOpen);
  const active = useStore((s) => s.active);
  const dirty = useStore((s) => (s.active ? (s.docs[s.active]?.dirty ?? false) : false));
  const anyDirty = useStore((s) => Object.values(s.docs).some((d) => d.dirty));
  const live = useBuilds(liveRun);
  return (
    <div className="toolbar" role="toolbar" aria-label="Template">
      <button
        type="button"
        onClick={() => void session().closeWorkspace()}
        aria-label="Close template and go to the start screen"
      >
        ← Start
      </button>
      <div className="segmented" role="tablist" aria-label="View">
        <button
          type="button"
          role="tab"
          aria-selected={view === 'text'}
          onClick={() => useStore.setState({ view: 'text' })}
        >
          Text
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={view === 'pipeline'}
          onClick={() => useStore.setState({ view: 'pipeline' })}
        >
          Pipeline
        </button>
        <button
          type="button"
          role="tab"
          aria-selected={view === 'build'}
          onClick={() => useStore.setState({ view: 'build' })}
        >
          Build
          {live ? (
            <span className={`state-dot ${live.summary.state}`} aria-label={live.summary.state} />
          ) : null}
        </button>
      </div>
      <button
        type="button"
        className="primary"
        disabled={Boolean(live)}
        title={
          live ? 'A build of this template is running' : 'Choose builds, variables and options, then start'
        }
        onClick={() => {
          useStore.setState({ view: 'build' });
          useBuilds.setState({ formOpen: true });
        }}
      >
        Build…
      </button>
      {live ? (
        <button
          type="button"
          className="danger"
          onClick={() => void session().builds.cancel(live.summary.runId)}
        >
          Cancel build
        </button>
      ) : null}
      <button type="button" disabled={!active || !dirty} onClick={() => void session().save()}>
        Save
      </button>
      <button type="button" disabled={!anyDirty} onClick={() => void session().saveAll()}>
        Save all
      </button>
      <button type="button" disabled={!active} onClick={() => void session().formatActive()}>
        Format document
      </button>
      <button
        type="button"
        aria-pressed={problemsOpen}
        onClick={() => useStore.setState({ problemsOpen: !problemsOpen })}
      >
        Problems
      </button>
      <span className="spacer" />
      <button type="button" onClick={() => useInspector.setState({ target: { path: '' } })}>
        Inspect image…
      </button>
      <button type="button" onClick={() => useBuilds.setState({ maasOpen: true })}>
        MAAS regions
      </button>
    </div>
  );
}

function StatusBar() {
  const diagnostics = useStore((s) => s.diagnostics);
  const checkMs = useStore((s) => s.checkMs);
  const checking = useStore((s) => s.checking);
  const workspace = useStore((s) => s.workspace);
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  return (
    <footer className="status" role="status" aria-label="Status">
      <span>{workspace?.root}</span>
      <span>
        {checking ? 'Checking…' : errors ? `${errors} ${errors === 1 ? 'error' : 'errors'}` : 'No errors'}
        {checkMs !== undefined ? ` · checked in ${Math.round(checkMs)} ms` : ''}
      </span>
    </footer>
  );
}

export function WorkspaceView() {
  const view = useStore((s) => s.view);
  const problemsOpen = useStore((s) => s.problemsOpen);
  const picking = useBaseImages((s) => s.picker !== undefined);
  const inspecting = useInspector((s) => s.target !== undefined);
  return (
    <div className="workspace">
      <div className="workspace-top">
        <Toolbar />
        <TrustBanner />
        <PausedBar />
      </div>
      <div className="workspace-body">
        <FileList />
        <div className="main-area">
          <Tabs />
          <DiskChangeBanner />
          <div className="views">
            <div className="view-text" hidden={view !== 'text'}>
              <EditorPane />
            </div>
            {view === 'pipeline' ? <PipelineView /> : null}
            {view === 'build' ? (
              <Suspense fallback={<p className="empty">Loading the build view…</p>}>
                <BuildView />
              </Suspense>
            ) : null}
          </div>
          {problemsOpen && view !== 'build' ? <ProblemsPanel /> : null}
        </div>
      </div>
      <StatusBar />
      <OnErrorDialog />
      <UploadDialog />
      <MaasSettings />
      {inspecting ? (
        <Suspense fallback={null}>
          <ImageInspector />
        </Suspense>
      ) : null}
      {picking ? (
        <Suspense fallback={null}>
          <BaseImageDialog />
        </Suspense>
      ) : null}
    </div>
  );
}
