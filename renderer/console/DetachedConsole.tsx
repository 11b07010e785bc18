/**
 * A console in its own window: one build's serial console, guest shell or screen, following the run as
 * the main window does (same Api, same token in the browser; a trusted Kiln window in Electron).
 */
import { useEffect, useState } from 'react';
import type { KilnApi } from '../../electron/api/types';
import type { DetachedConsoleParams } from '../api';
import { BuildController } from '../builds/controller';
import { useBuilds } from '../builds/store';
import { ConsoleTabContent } from './ConsolePanel';

const TAB_NAMES = { serial: 'Serial console', shell: 'Guest shell', screen: 'Screen' } as const;

export function DetachedConsole({ api, params }: { api: KilnApi; params: DetachedConsoleParams }) {
  const [tab, setTab] = useState(params.tab);
  const [error, setError] = useState<string | undefined>();
  const run = useBuilds((s) => s.runs[params.runId]);
  useEffect(() => {
    const controller = new BuildController(api, async () => true);
    const unsubscribe = api.onEvent((e) => controller.onEvent(e));
    void (async () => {
      try {
        const detail = await api.getBuild({ runId: params.runId, maxEvents: 1 });
        await controller.setWorkspace(detail.summary.root);
        await controller.select(params.runId, params.build);
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    })();
    return unsubscribe;
  }, [api, params.runId, params.build]);
  useEffect(() => {
    document.title = `${TAB_NAMES[tab]} — ${params.build} — Kiln`;
  }, [tab, params.build]);
  const build = run?.builds[params.build];
  return (
    <main className="detached-console" aria-label={`${TAB_NAMES[tab]} of ${params.build}`}>
      <header className="toolbar">
        <strong>{params.build}</strong>
        <div className="segmented" role="tablist" aria-label="Console">
          {(Object.keys(TAB_NAMES) as Array<keyof typeof TAB_NAMES>).map((t) => (
            <button key={t} type="button" role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
              {TAB_NAMES[t]}
            </button>
          ))}
        </div>
        {run ? <span className="muted">{run.summary.state}</span> : null}
      </header>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="console-body">
        {run && build ? (
          <ConsoleTabContent api={api} run={run} build={build} tab={tab} />
        ) : (
          <p className="empty">Loading…</p>
        )}
      </div>
    </main>
  );
}
