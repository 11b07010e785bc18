/** Starts the UI: connects to the Api, sets up Monaco's languages, renders the app. */
import { createRoot } from 'react-dom/client';
import { connectApi } from './api';
import { App } from './components/App';
import { setupLanguages } from './editor/setup';
import { useStore } from './state/store';
import { Session, session, setSession } from './workspace/session';
import './styles.css';

async function start(): Promise<void> {
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

void start();
