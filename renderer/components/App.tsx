/** The whole UI: the start screen or an open template, with dialogs and notifications above. */
import { useStore } from '../state/store';
import { Notices } from './Notices';
import { PathDialog } from './PathDialog';
import { StartScreen } from './StartScreen';
import { WorkspaceView } from './WorkspaceView';

export function App() {
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
      {workspace ? <WorkspaceView /> : <StartScreen />}
      {dialog ? (
        <PathDialog key={dialog.kind === 'create' ? dialog.template.id : dialog.pick} dialog={dialog} />
      ) : null}
      <Notices />
    </>
  );
}
