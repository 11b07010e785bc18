/**
 * Starts the UI: connects to the Api, sets up Monaco's languages, renders the app (or a detached console).
 * Start-up is a race against the clock (issue 4: an editable editor in under 1 s), so everything that can
 * overlap does. The Api's WebSocket opens and the start screen's data is asked for while the modules
 * download; the start screen shows as soon as both its small chunk and that data are there, while Monaco
 * (most of the bytes and of the work) is still loading; a template opened from it is read from disk in the
 * meantime, and its editor is created once Monaco and the session are ready.
 */
import { createRoot } from 'react-dom/client';
import { connectApi, detachedConsoleParams } from './api';
import type { KilnApi } from '../electron/api/types';
import { useStore } from './state/store';
import { provideApi } from './workspace/current';
import './styles.css';

async function startDetached(params: NonNullable<ReturnType<typeof detachedConsoleParams>>): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  try {
    // xterm comes with the console: the main window does not load it until a build view shows one.
    const [api, { DetachedConsole }] = await Promise.all([connectApi(), import('./console/DetachedConsole')]);
    root.render(<DetachedConsole api={api} params={params} />);
  } catch (err) {
    root.render(
      <main className="fatal">
        <p role="alert">{err instanceof Error ? err.message : String(err)}</p>
      </main>,
    );
  }
}

/** What the start screen shows, asked for as soon as the Api is connected. */
async function startData(api: KilnApi) {
  const [appInfo, gallery, recent] = await Promise.all([
    api.appInfo({}),
    api.listGallery({}),
    api.recentWorkspaces({}),
  ]);
  return { appInfo, gallery, recent };
}

function failed(err: unknown): void {
  useStore.setState({
    connection: 'failed',
    connectionError: err instanceof Error ? err.message : String(err),
  });
}

async function start(): Promise<void> {
  // Start-up marks (performance.getEntriesByType('mark')): where the time to an editable editor goes.
  performance.mark('kiln:entry');
  // Monaco and the editor's session load only in the main window, not in a detached console. The build's
  // index.html preloads these chunks, so their download starts with this one's.
  const app = import('./components/App');
  const editor = Promise.all([
    import('./editor/setup'),
    import('./workspace/session'),
    import('./components/WorkspaceView'),
  ]);
  const connected = connectApi();
  provideApi(connected);
  const data = connected.then(startData);
  // Handled below, possibly after other awaits: not an unhandled rejection meanwhile.
  data.catch(() => undefined);
  editor.catch(() => undefined);

  const { App } = await app;
  const root = createRoot(document.getElementById('root')!);
  root.render(<App />);
  try {
    // The start screen: actions taken on it wait for the session (workspace/current.ts).
    useStore.setState({ ...(await data), connection: 'ready' });
    performance.mark('kiln:start-data');
    const api = await connected;
    const [{ setupLanguages, warmUpEditor }, { Session, session, setSession }, { WorkspaceView }] =
      await editor;
    performance.mark('kiln:editor-modules');
    root.render(<App workspaceView={WorkspaceView} />);
    setSession(new Session(api));
    setupLanguages(() => session().language);
    // After the template's files are asked for (a click on the start screen already waits for the
    // session), while their answer travels.
    setTimeout(() => {
      if (!useStore.getState().workspace) warmUpEditor();
      performance.mark('kiln:warm-up');
    }, 0);
    if ('closed' in api) {
      void (api as { closed: Promise<void> }).closed.then(() => useStore.setState({ connection: 'lost' }));
    }
  } catch (err) {
    failed(err);
  }
}

const detached = detachedConsoleParams();
void (detached ? startDetached(detached) : start());
