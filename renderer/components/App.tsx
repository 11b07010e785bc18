/**
 * The whole UI: the start screen or an open template, with dialogs and notifications above. The open
 * template's view (Monaco) is its own chunk, handed in by main.tsx once loaded, so the start screen shows
 * before Monaco has loaded. (Not React.lazy: a Suspense boundary that showed its fallback reveals its
 * content no sooner than 300 ms later, which would cost the editor's first appearance that much.)
 */
import type { ComponentType } from 'react';
import { useStore } from '../state/store';
import { Notices } from './Notices';
import { PathDialog } from './PathDialog';
import { StartScreen } from './StartScreen';

export function App({ workspaceView: WorkspaceView }: { workspaceView?: ComponentType }) {
  const connection = useStore((s) => s.connection);
  const error = useStore((s) => s.connectionError);
  const workspace = useStore((s) => s.workspace);
  const dialog = useStore((s) => s.dialog);
  if (connection === 'failed' || connection === 'lost') {
    return (
      <main className="fatal" aria-label="Not connected">
        <h1>{connection === 'lost' ? 'Kiln stopped' : 'Cannot reach Kiln'}</h1>
        <p role="alert">{error ?? 'The connection to Kiln closed. Start it again and reload this page.'}</p>
      </main>
    );
  }
  if (connection === 'connecting') {
    return (
      <main className="fatal" aria-label="Connecting" aria-busy="true">
        <p>Connecting…</p>
      </main>
    );
  }
  return (
    <>
      {/* A workspace opens only through the session, which loads with the workspace view. */}
      {workspace ? WorkspaceView ? <WorkspaceView /> : null : <StartScreen />}
      {dialog ? (
        <PathDialog key={dialog.kind === 'create' ? dialog.template.id : dialog.pick} dialog={dialog} />
      ) : null}
      <Notices />
    </>
  );
}
