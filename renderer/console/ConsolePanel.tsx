/**
 * The bottom of the build view: the log, the VM's serial console, a shell on the guest, and the VM's
 * screen (Cockpit's console card: one place, a tab per kind), each of the last three detachable into its
 * own window.
 */
import type { KilnApi } from '../../electron/api/types';
import { detachedConsoleUrl } from '../api';
import type { BuildView, RunView } from '../builds/runView';
import { useBuilds, type ConsoleTab } from '../builds/store';
import { LogView } from './LogView';
import { ScreenView } from './ScreenView';
import { TerminalView } from './TerminalView';

const TABS: Array<{ id: ConsoleTab; label: string }> = [
  { id: 'log', label: 'Log' },
  { id: 'serial', label: 'Serial console' },
  { id: 'shell', label: 'Guest shell' },
  { id: 'screen', label: 'Screen' },
];

export function ConsoleTabContent({
  api,
  run,
  build,
  tab,
}: {
  api: KilnApi;
  run: RunView;
  build: BuildView;
  tab: Exclude<ConsoleTab, 'log'>;
}) {
  const runId = run.summary.runId;
  const live = !run.summary.finishedAt;
  if (tab === 'serial')
    return (
      <TerminalView
        key={`${runId}-${build.name}-serial`}
        api={api}
        runId={runId}
        build={build.name}
        stream="serial"
        label={`Serial console of ${build.name}`}
      />
    );
  if (tab === 'shell') {
    if (!build.handles.shell)
      return (
        <p className="empty" role="status">
          {live
            ? `The guest shell opens once ${build.name} has connected to the guest over SSH.`
            : 'The guest shell is there while a build is connected to its guest.'}
        </p>
      );
    return (
      <TerminalView
        key={`${runId}-${build.name}-shell`}
        api={api}
        runId={runId}
        build={build.name}
        stream="shell"
        label={`Guest shell of ${build.name}`}
      />
    );
  }
  return (
    <ScreenView api={api} runId={runId} build={build.name} available={build.handles.vm} keys={build.keys} />
  );
}

export function ConsolePanel({ api, run, build }: { api: KilnApi; run: RunView; build: BuildView }) {
  const tab = useBuilds((s) => s.consoleTab);
  const filter = useBuilds((s) => s.logFilter);
  return (
    <section className="console-panel" aria-label="Build output">
      <div className="console-tabs" role="tablist" aria-label="Output">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            onClick={() => useBuilds.setState({ consoleTab: t.id })}
          >
            {t.label}
            {t.id === 'shell' && build.handles.shell ? <span className="dot" aria-hidden="true" /> : null}
          </button>
        ))}
        <span className="spacer" />
        {tab !== 'log' ? (
          <button
            type="button"
            aria-label={`Detach the ${TABS.find((t) => t.id === tab)?.label.toLowerCase()} into a window`}
            onClick={() => {
              window.open(
                detachedConsoleUrl({ runId: run.summary.runId, build: build.name, tab }),
                `kiln-${tab}-${run.summary.runId}`,
                'width=900,height=600',
              );
            }}
          >
            Detach
          </button>
        ) : null}
      </div>
      <div className="console-body" role="tabpanel" aria-label={TABS.find((t) => t.id === tab)?.label}>
        {tab === 'log' ? (
          <LogView
            lines={run.logs}
            dropped={run.droppedLines}
            builds={run.summary.builds.map((b) => b.name)}
            filter={filter}
            onFilter={(logFilter) => useBuilds.setState({ logFilter })}
          />
        ) : (
          <ConsoleTabContent api={api} run={run} build={build} tab={tab} />
        )}
      </div>
    </section>
  );
}
