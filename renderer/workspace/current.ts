/**
 * The running Session, for the start screen. The start screen shows as soon as the Api answers, before
 * Monaco and the session (which needs it) have loaded, so an action taken on it in that moment (open a
 * recent template) starts at once and waits for the session only where it needs it. Nothing here imports
 * the session's module: the start screen's chunk stays free of Monaco.
 */
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
