/**
 * The sandboxed preload: exposes the Api to Kiln's page as `window.kiln`, one function per verb and an event
 * subscription, and nothing else (no ipcRenderer, no process, no generic send). Bundled to a single CJS
 * file because sandboxed preloads cannot load modules.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_EVENT_CHANNEL, ipcChannel } from './api/methods';
import { IPC_STREAM_CHANNEL, type StreamPortMessage } from './api/streams';
import type { ApiEvent, ApiEventListener } from './api/types';

const bridge: Record<string, unknown> = {};
for (const method of API_METHODS) {
  const channel = ipcChannel(method);
  bridge[method] = (input: unknown) => ipcRenderer.invoke(channel, input);
}
bridge.onEvent = (listener: ApiEventListener) => {
  if (typeof listener !== 'function') throw new TypeError('onEvent needs a function');
  // The main process sends events in batches (arrays), in order.
  const handler = (_event: IpcRendererEvent, payload: ApiEvent[]) => {
    if (Array.isArray(payload)) for (const event of payload) listener(event);
  };
  ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
  return () => {
    ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
  };
};

contextBridge.exposeInMainWorld('kiln', bridge);

// Console streams arrive as MessagePorts; a port cannot cross contextBridge, so it goes to the page as a
// window message (Electron's documented way), addressed to the page's own origin.
ipcRenderer.on(IPC_STREAM_CHANNEL, (event: IpcRendererEvent, payload: { streamId?: unknown }) => {
  if (typeof payload?.streamId !== 'string' || event.ports.length !== 1) return;
  const message: StreamPortMessage = { kilnStream: payload.streamId };
  window.postMessage(message, window.location.origin, [...event.ports]);
});
