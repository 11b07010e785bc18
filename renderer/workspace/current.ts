/**
 * The running Session, for the start screen. The start screen shows as soon as the Api answers, before
 * Monaco and the session (which needs it) have loaded, so an action taken on it in that moment (open a
 * recent template) starts at once and waits for the session only where it needs it. Nothing here imports
 * the session's module: the start screen's chunk stays free of Monaco.
 */
import type { KilnApi, WorkspaceInfo } from '../../electron/api/types';
import type { Session } from './session';

let resolve: (session: Session) => void = () => undefined;
const ready = new Promise<Session>((r) => (resolve = r));

/** The session, once Monaco and the editor's modules have loaded and the Api is connected. */
export function whenSession(): Promise<Session> {
  return ready;
}

/** Called once by `setSession` in `./session`. */
export function provideSession(session: Session): void {
  resolve(session);
}

let connected: Promise<KilnApi> | undefined;

/** The Api's connection, given by main.tsx as soon as it starts connecting. */
export function provideApi(api: Promise<KilnApi>): void {
  connected = api;
}

/**
 * Opens a template or folder chosen on the start screen. Opening it needs only the Api, so the host starts
 * reading it at once; the session shows it once Monaco has loaded. (A click made while Monaco is still
 * loading no longer waits for it before the template is even asked for.)
 */
export function openWorkspaceSoon(path: string): void {
  const api = connected ?? whenSession().then((session) => session.api);
  const opening: Promise<WorkspaceInfo> = api.then((a) => a.openWorkspace({ path }));
  // Reported by the session's openPath, possibly later: not an unhandled rejection meanwhile.
  opening.catch(() => undefined);
  void whenSession().then((session) => session.openPath(path, opening));
}
