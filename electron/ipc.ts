/**
 * The Api over Electron IPC. Every verb has its own channel (`kiln:<verb>`); each call is checked twice
 * before the service sees it: the sender must be the main frame of a window Kiln made, showing Kiln's own
 * `app://kiln` page (Electron security checklist item 17), and the input must pass the verb's zod schema.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents, type WebFrameMain } from 'electron';
import { dispatchApiCall, type DispatchResult } from './api/dispatch';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from './api/methods';
import type { ApiEvent, ApiService } from './api/types';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kiln';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** True for Kiln's own page in the main frame of a trusted window, false for anything else. */
export function isTrustedFrame(
  frame: WebFrameMain | null | undefined,
  trusted: ReadonlySet<number>,
  sender: WebContents,
) {
  if (!frame || !trusted.has(sender.id) || frame !== sender.mainFrame) return false;
  try {
    const url = new URL(frame.url);
    return url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST;
  } catch {
    return false;
  }
}

export interface ApiIpc {
  /** Marks a window's contents as allowed to call the Api (until it is destroyed). */
  trust(contents: WebContents): void;
  /** Sends an event to every trusted window. */
  broadcast(event: ApiEvent): void;
  dispose(): void;
}

export function registerApiIpc(service: ApiService, getContents: () => WebContents[]): ApiIpc {
  const trusted = new Set<number>();
  for (const method of API_METHODS) {
    ipcMain.handle(
      ipcChannel(method),
      async (event: IpcMainInvokeEvent, input: unknown): Promise<DispatchResult> => {
        if (!isTrustedFrame(event.senderFrame, trusted, event.sender)) {
          return {
            ok: false,
            error: { code: 'invalid-input', message: `${method}: refused a call from an untrusted frame` },
          };
        }
        return dispatchApiCall(service, method, input);
      },
    );
  }
  return {
    trust(contents) {
      trusted.add(contents.id);
      contents.once('destroyed', () => trusted.delete(contents.id));
    },
    broadcast(event) {
      for (const contents of getContents()) {
        if (trusted.has(contents.id) && !contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, event);
      }
    },
    dispose() {
      for (const method of API_METHODS) ipcMain.removeHandler(ipcChannel(method));
      trusted.clear();
    },
  };
}
