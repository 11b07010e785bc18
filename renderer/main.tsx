/** Starts the UI: connects to the Api, sets up Monaco's languages, renders the app (or a detached console). */
import { createRoot } from 'react-dom/client';
import { connectApi, detachedConsoleParams } from './api';
import { DetachedConsole } from './console/DetachedConsole';
import { useStore } from './state/store';
import './styles.css';

async function startDetached(params: NonNullable<ReturnType<typeof detachedConsoleParams>>): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  try {
    const api = await connectApi();
    root.render(<DetachedConsole api={api} params={params} />);
  } catch (err) {
    root.render(
      <main className="fatal">
        <p role="alert">{err instanceof Error ? err.message : String(err)}</p>
      </main>,
    );
  }
}

async function start(): Promise<void> {
  // Monaco and the editor's session load only in the main window, not in a detached console.
  const [{ App }, { setupLanguages }, { Session, session, setSession }] = await Promise.all([
    import('./components/App'),
    import('./editor/setup'),
    import('./workspace/session'),
  ]);
  const root = createRoot(document.getElementById('root')!);
  root.render(<App />);
  try {
    const api = await connectApi();
    const s = new Session(api);
    setSession(s);
    setupLanguages(() => session().language);
    await s.loadStart();
    if ('closed' in api) {
      void (api as { closed: Promise<void> }).closed.then(() => useStore.setState({ connection: 'lost' }));
    }
  } catch (err) {
    useStore.setState({
      connection: 'failed',
      connectionError: err instanceof Error ? err.message : String(err),
    });
  }
}

const detached = detachedConsoleParams();
void (detached ? startDetached(detached) : start());
