/**
 * The Build view: the form to start a build, the run being shown (its state, controls, each build's
 * timeline and artifacts, its log and consoles), and the history of past runs of this template.
 */
import { useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { BuildRunSummary, RunState } from '../../../electron/api/types';
import { formatDuration } from '../../builds/runView';
import { selectedRunView, useBuilds } from '../../builds/store';
import { useNow } from '../../builds/useNow';
import { ConsolePanel } from '../../console/ConsolePanel';
import { session } from '../../workspace/session';
import { Artifacts } from './Artifacts';
import { RunForm } from './RunForm';
import { Timeline } from './Timeline';

export const STATE_TEXT: Record<RunState, string> = {
  running: 'Running',
  paused: 'Paused',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted (Kiln stopped while it ran)',
};

function runDuration(run: BuildRunSummary, now: number): string {
  const end = run.finishedAt ? Date.parse(run.finishedAt) : now;
  return formatDuration(Math.max(0, end - Date.parse(run.startedAt)));
}

function History() {
  const history = useBuilds((s) => s.history);
  const selected = useBuilds((s) => s.selectedRun);
  const now = useNow(history.some((r) => !r.finishedAt));
  return (
    <section className="history" aria-label="Build history">
      <h3>History</h3>
      {history.length === 0 ? <p className="empty">No builds yet.</p> : null}
      <ol>
        {history.map((run) => (
          <li key={run.runId} className={run.runId === selected ? 'selected' : ''}>
            <button
              type="button"
              className="history-item"
              aria-current={run.runId === selected ? 'true' : undefined}
              aria-label={`Run of ${new Date(run.startedAt).toLocaleString()}: ${STATE_TEXT[run.state]}`}
              onClick={() => void session().builds.select(run.runId)}
            >
              <span className={`state-dot ${run.state}`} aria-hidden="true" />
              <span>{new Date(run.startedAt).toLocaleString()}</span>
              <span className="muted">
                {STATE_TEXT[run.state].split(' ')[0]} · {runDuration(run, now)}
              </span>
            </button>
            {run.finishedAt ? (
              <button
                type="button"
                className="small"
                aria-label={`Delete the run of ${new Date(run.startedAt).toLocaleString()}`}
                onClick={() => void session().builds.remove(run.runId)}
              >
                ×
              </button>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

function RunHeader({ run }: { run: BuildRunSummary }) {
  const now = useNow(!run.finishedAt);
  const live = !run.finishedAt;
  return (
    <header className="run-header">
      <h2>
        <span className={`state-dot ${run.state}`} aria-hidden="true" />
        <span role="status" aria-label="Build state">
          {STATE_TEXT[run.state]}
        </span>
      </h2>
      <span className="muted">
        Started {new Date(run.startedAt).toLocaleTimeString()} · {runDuration(run, now)}
        {run.options.debug ? ' · debug' : ''} · on error: {run.options.onError}
        {run.options.only.length ? ` · only ${run.options.only.join(', ')}` : ''}
        {run.options.except.length ? ` · except ${run.options.except.join(', ')}` : ''}
      </span>
      <span className="spacer" />
      {live ? (
        <button type="button" className="danger" onClick={() => void session().builds.cancel(run.runId)}>
          Cancel build
        </button>
      ) : null}
    </header>
  );
}

export function BuildView() {
  const formOpen = useBuilds((s) => s.formOpen);
  const { run, build } = useBuilds(useShallow(selectedRunView));
  const [showHistory, setShowHistory] = useState(true);
  const buildView = run && build ? run.builds[build] : undefined;
  return (
    <div className="build-view">
      <aside className="build-side" aria-label="Build setup and history">
        <button
          type="button"
          aria-expanded={formOpen || !run}
          onClick={() => useBuilds.setState({ formOpen: !formOpen })}
        >
          Build options
        </button>
        {formOpen || !run ? <RunForm /> : null}
        <button type="button" aria-expanded={showHistory} onClick={() => setShowHistory(!showHistory)}>
          History
        </button>
        {showHistory ? <History /> : null}
      </aside>
      <section className="run-detail" aria-label="Build run">
        {!run ? (
          <p className="empty">Start a build with the Build button; its steps, log and console show here.</p>
        ) : (
          <>
            <RunHeader run={run.summary} />
            {run.summary.prepareFailures.map((f) => (
              <p key={f.build} className="error" role="alert">
                {f.build} could not start: {f.error}
              </p>
            ))}
            {run.summary.builds.length > 1 ? (
              <div className="segmented" role="tablist" aria-label="Builds of this run">
                {run.summary.builds.map((b) => (
                  <button
                    key={b.name}
                    type="button"
                    role="tab"
                    aria-selected={b.name === build}
                    onClick={() => useBuilds.setState({ selectedBuild: b.name })}
                  >
                    <span className={`state-dot ${b.state}`} aria-hidden="true" /> {b.name}
                  </button>
                ))}
              </div>
            ) : null}
            <div className="run-body">
              <div className="run-top">
                {buildView ? <Timeline build={buildView} /> : null}
                <Artifacts summary={run.summary} />
              </div>
              {buildView ? <ConsolePanel api={session().api} run={run} build={buildView} /> : null}
            </div>
          </>
        )}
      </section>
    </div>
  );
}
