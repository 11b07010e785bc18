/**
 * The Api as the renderer uses it, over either transport: Electron's preload bridge (`window.kiln`) or the
 * web host's WebSocket. Both give the same KilnApi; failures arrive as ApiError with their code.
 */
import { ApiError, isApiErrorShape } from './errors';
import { API_METHODS } from './methods';
import type { ApiEvent, ApiEventListener, ApiMethod, KilnApi, KilnBridge } from './types';
import { WIRE_PATH, type WireMessage } from './wire';

type Caller = (method: ApiMethod, input: unknown) => Promise<unknown>;

function buildApi(call: Caller, onEvent: (listener: ApiEventListener) => () => void): KilnApi {
  const api = { onEvent } as Record<string, unknown>;
  for (const method of API_METHODS) api[method] = (input: unknown) => call(method, input);
  return api as KilnApi;
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
      const api = buildApi(call, (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      }) as SocketApi;
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
