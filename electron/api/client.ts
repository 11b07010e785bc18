/**
 * The Api as the renderer uses it, over either transport: Electron's preload bridge (`window.kiln`) or the
 * web host's WebSocket. Both give the same KilnApi; failures arrive as ApiError with their code.
 */
import { ApiError, isApiErrorShape } from './errors';
import { API_METHODS } from './methods';
import { isStreamControl, STREAM_PATH, type PortMessage, type StreamPortMessage } from './streams';
import type { ApiEvent, ApiEventListener, ApiMethod, KilnApi, KilnBridge, StreamConnection } from './types';
import { WIRE_PATH, type WireMessage } from './wire';

type Caller = (method: ApiMethod, input: unknown) => Promise<unknown>;
type Attach = (streamId: string) => Promise<StreamConnection>;

function buildApi(
  call: Caller,
  onEvent: (listener: ApiEventListener) => () => void,
  attachStream: Attach,
): KilnApi {
  const api = { onEvent, attachStream } as Record<string, unknown>;
  for (const method of API_METHODS) api[method] = (input: unknown) => call(method, input);
  return api as KilnApi;
}

/** The listeners and the end of one stream, whatever carries it. */
class StreamEnds {
  private readonly dataListeners: Array<(data: Uint8Array) => void> = [];
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private backlog: Uint8Array[] = [];
  private closedWith: string | undefined;

  data(bytes: Uint8Array): void {
    if (this.dataListeners.length === 0) this.backlog.push(bytes);
    for (const l of this.dataListeners) l(bytes);
  }

  closed(reason: string): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = reason;
    for (const l of this.closeListeners) l(reason);
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.dataListeners.push(listener);
    // Bytes that came before anyone listened (a screen replayed at once) go to the first listener.
    for (const b of this.backlog) listener(b);
    this.backlog = [];
  }

  onClose(listener: (reason: string) => void): void {
    if (this.closedWith !== undefined) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }
}

const PORT_WAIT_MS = 10_000;

/** Electron: the main process posts each stream's MessagePort; the preload passes it on as a window message. */
function attachPort(streamId: string): Promise<StreamConnection> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      window.removeEventListener('message', onMessage);
      reject(new ApiError('io', 'the console stream did not arrive'));
    }, PORT_WAIT_MS);
    const onMessage = (ev: MessageEvent) => {
      if (ev.source !== window || (ev.data as StreamPortMessage | null)?.kilnStream !== streamId) return;
      const port = ev.ports[0];
      if (!port) return;
      clearTimeout(timer);
      window.removeEventListener('message', onMessage);
      const ends = new StreamEnds();
      port.onmessage = (m: MessageEvent) => {
        const msg = m.data as PortMessage;
        if (msg?.kind === 'data' && msg.data instanceof Uint8Array) ends.data(msg.data);
        else if (msg?.kind === 'closed') {
          ends.closed(msg.reason);
          port.close();
        }
      };
      port.start();
      resolve({
        send: (data) =>
          port.postMessage({
            kind: 'data',
            data: typeof data === 'string' ? new TextEncoder().encode(data) : data,
          } satisfies PortMessage),
        resize: (cols, rows) => port.postMessage({ kind: 'resize', cols, rows } satisfies PortMessage),
        close: () => {
          port.postMessage({ kind: 'closed', reason: 'closed by the UI' } satisfies PortMessage);
          port.close();
          ends.closed('closed');
        },
        onData: (l) => ends.onData(l),
        onClose: (l) => ends.onClose(l),
      });
    };
    window.addEventListener('message', onMessage);
  });
}

/** The web host: each stream is its own WebSocket, with the same token as the Api's. */
function attachSocket(
  origin: string,
  token: string,
  streamId: string,
  WebSocketImpl: typeof WebSocket,
): Promise<StreamConnection> {
  const url = `${origin.replace(/^http/, 'ws')}${STREAM_PATH}?token=${encodeURIComponent(token)}&id=${encodeURIComponent(streamId)}`;
  const socket = new WebSocketImpl(url);
  socket.binaryType = 'arraybuffer';
  const ends = new StreamEnds();
  socket.addEventListener('message', (ev: MessageEvent) => {
    if (typeof ev.data === 'string') {
      let msg: unknown;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (isStreamControl(msg) && msg.kind === 'closed') ends.closed(msg.reason);
      return;
    }
    ends.data(new Uint8Array(ev.data as ArrayBuffer));
  });
  socket.addEventListener('close', () => ends.closed('the connection to Kiln closed'));
  return new Promise((resolve, reject) => {
    socket.addEventListener(
      'open',
      () =>
        resolve({
          send: (data) => {
            if (socket.readyState === socket.OPEN)
              socket.send(typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data));
          },
          resize: (cols, rows) => {
            if (socket.readyState === socket.OPEN)
              socket.send(JSON.stringify({ kind: 'resize', cols, rows }));
          },
          close: () => socket.close(1000),
          onData: (l) => ends.onData(l),
          onClose: (l) => ends.onClose(l),
        }),
      { once: true },
    );
    socket.addEventListener('error', () => reject(new ApiError('io', 'could not open the console stream')), {
      once: true,
    });
  });
}

/** The Api over Electron's preload bridge. */
export function bridgeApi(bridge: KilnBridge): KilnApi {
  return buildApi(
    async (method, input) => {
      const fn = bridge[method] as (
        input: unknown,
      ) => Promise<{ ok: boolean; value?: unknown; error?: unknown }>;
      const result = await fn(input);
      if (result.ok) return result.value;
      throw isApiErrorShape(result.error)
        ? ApiError.from(result.error)
        : new ApiError('internal', String(result.error));
    },
    (listener) => bridge.onEvent(listener),
    attachPort,
  );
}

export interface SocketApi extends KilnApi {
  close(): void;
  /** Resolves when the socket closes (the host went away). */
  closed: Promise<void>;
}

/**
 * The Api over the web host's WebSocket. `origin` is the host's http origin; the token is the one the host
 * printed. Resolves once connected; rejects if the host refuses (a wrong token, say).
 */
export function socketApi(
  origin: string,
  token: string,
  WebSocketImpl: typeof WebSocket = WebSocket,
): Promise<SocketApi> {
  const url = `${origin.replace(/^http/, 'ws')}${WIRE_PATH}?token=${encodeURIComponent(token)}`;
  const socket = new WebSocketImpl(url);
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Set<ApiEventListener>();
  let nextId = 1;
  let closedResolve: () => void = () => undefined;
  const closed = new Promise<void>((r) => (closedResolve = r));

  socket.addEventListener('message', (ev: MessageEvent) => {
    let msg: WireMessage;
    try {
      msg = JSON.parse(String(ev.data)) as WireMessage;
    } catch {
      return;
    }
    if (msg.kind === 'event') {
      for (const l of [...listeners]) l(msg.event as ApiEvent);
      return;
    }
    if (msg.kind === 'events') {
      for (const event of msg.events) for (const l of [...listeners]) l(event);
      return;
    }
    const waiter = pending.get(msg.id);
    if (!waiter) return;
    pending.delete(msg.id);
    if (msg.kind === 'result') waiter.resolve(msg.value);
    else waiter.reject(ApiError.from(msg.error));
  });
  socket.addEventListener('close', () => {
    for (const w of pending.values()) w.reject(new ApiError('io', 'the connection to Kiln closed'));
    pending.clear();
    closedResolve();
  });

  const call: Caller = (method, input) =>
    new Promise((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) {
        reject(new ApiError('io', 'the connection to Kiln is closed'));
        return;
      }
      const id = nextId++;
      pending.set(id, { resolve, reject });
      socket.send(JSON.stringify({ id, method, input }));
    });

  return new Promise((resolve, reject) => {
    const onOpen = () => {
      socket.removeEventListener('error', onError);
      const api = buildApi(
        call,
        (listener) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
        (streamId) => attachSocket(origin, token, streamId, WebSocketImpl),
      ) as SocketApi;
      api.close = () => socket.close();
      api.closed = closed;
      resolve(api);
    };
    const onError = () => {
      socket.removeEventListener('open', onOpen);
      reject(new ApiError('io', 'could not connect to Kiln (is the token right?)'));
    };
    socket.addEventListener('open', onOpen, { once: true });
    socket.addEventListener('error', onError, { once: true });
  });
}
