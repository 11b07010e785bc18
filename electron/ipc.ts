/**
 * The Api over Electron IPC. Every verb has its own channel (`kiln:<verb>`); each call is checked twice
 * before the service sees it: the sender must be the main frame of a window Kiln made, showing Kiln's own
 * `app://kiln` page (Electron security checklist item 17), and the input must pass the verb's zod schema.
 */
import {
  ipcMain,
  MessageChannelMain,
  type IpcMainInvokeEvent,
  type MessagePortMain,
  type WebContents,
  type WebFrameMain,
} from 'electron';
import { dispatchApiCall, type DispatchResult } from './api/dispatch';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from './api/methods';
import { IPC_STREAM_CHANNEL, isStreamControl, type PortMessage } from './api/streams';
import type { ApiEvent, ApiService } from './api/types';
import { EventBatcher } from './host/event-batcher';
import type { StreamHub } from './host/service/builds/streams';

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
  /** Sends an event to every trusted window (batched with the events around it). */
  broadcast(event: ApiEvent): void;
  dispose(): void;
}

/**
 * Console bytes do not go through per-call IPC: each stream `openStream` makes gets a MessagePort, posted
 * to the window that asked (the preload hands it to the page).
 */
function sendStreamPort(streams: StreamHub, streamId: string, contents: WebContents): void {
  const { port1, port2 } = new MessageChannelMain();
  let open = true;
  const post = (message: PortMessage) => {
    if (open) port1.postMessage(message);
  };
  const end = streams.claim(streamId, {
    data: (data) => post({ kind: 'data', data }),
    closed: (reason) => {
      post({ kind: 'closed', reason });
      open = false;
      port1.close();
    },
  });
  if (!end) return;
  port1.on('message', (event) => {
    const message = event.data as PortMessage;
    if (message?.kind === 'data' && message.data instanceof Uint8Array) end.input(message.data);
    else if (isStreamControl(message)) {
      if (message.kind === 'resize') end.resize(message.cols, message.rows);
      else {
        open = false;
        end.close();
        port1.close();
      }
    }
  });
  port1.on('close', () => {
    open = false;
    end.close();
  });
  port1.start();
  contents.once('destroyed', () => {
    if (open) {
      open = false;
      end.close();
      port1.close();
    }
  });
  contents.postMessage(IPC_STREAM_CHANNEL, { streamId }, [port2 as MessagePortMain]);
}

export function registerApiIpc(
  service: ApiService,
  getContents: () => WebContents[],
  streams?: StreamHub,
): ApiIpc {
  const trusted = new Set<number>();
  // Events travel in batches (an array per message): a chatty build is a few messages a frame, not thousands.
  const batcher = new EventBatcher((events) => {
    for (const contents of getContents()) {
      if (trusted.has(contents.id) && !contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, events);
    }
  });
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
        const result = await dispatchApiCall(service, method, input);
        if (method === 'openStream' && result.ok && streams) {
          sendStreamPort(streams, (result.value as { streamId: string }).streamId, event.sender);
        }
        return result;
      },
    );
  }
  return {
    trust(contents) {
      trusted.add(contents.id);
      contents.once('destroyed', () => trusted.delete(contents.id));
    },
    broadcast(event) {
      batcher.push(event);
    },
    dispose() {
      batcher.dispose();
      for (const method of API_METHODS) ipcMain.removeHandler(ipcChannel(method));
      trusted.clear();
    },
  };
}
