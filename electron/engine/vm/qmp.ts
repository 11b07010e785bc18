/**
 * A QMP (QEMU Machine Protocol) client over a unix socket: the greeting, capabilities negotiation,
 * commands with their replies matched by id, and asynchronous events (SHUTDOWN, POWERDOWN, RESET,
 * STOP, ...). Kiln drives the VM through it: power off, quit, screenshots, keys for boot_command.
 */
import { EventEmitter } from 'node:events';
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly command: string,
    readonly errorClass: string,
    description: string,
  ) {
    super(`QMP ${command}: ${description}`);
  }
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

type QmpMessage =
  | { QMP: { version: { qemu: { major: number; minor: number; micro: number } } } }
  | { return: unknown; id?: string }
  | { error: { class: string; desc: string }; id?: string }
  | QmpEvent;

export interface QmpConnectOptions {
  /** Keep trying to connect until the socket answers (qemu creates it as it starts). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connectOnce(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Connects to a unix socket, retrying while it does not exist yet or refuses. */
export async function connectUnix(path: string, options: QmpConnectOptions = {}): Promise<Socket> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let delay = 10;
  for (;;) {
    options.signal?.throwIfAborted();
    try {
      return await connectOnce(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) {
        throw new Error(`cannot connect to ${path}: ${(err as Error).message}`, { cause: err });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }
}

export class QmpClient extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
  private buffer = '';
  private nextId = 1;
  private readonly pending = new Map<string, Pending>();
  private closed = false;
  version = '';

  private constructor(private readonly socket: Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', () => this.onClose());
  }

  /** Connects, reads the greeting and enters command mode. */
  static async connect(path: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const socket = await connectUnix(path, options);
    const client = new QmpClient(socket);
    await client.greeting(options.timeoutMs ?? 10_000);
    await client.execute('qmp_capabilities');
    return client;
  }

  private greetingWaiter: ((version: string) => void) | undefined;

  private greeting(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.greetingWaiter = undefined;
        this.socket.destroy();
        reject(new Error('QMP: no greeting from qemu'));
      }, timeoutMs);
      this.greetingWaiter = (version) => {
        clearTimeout(timer);
        this.version = version;
        resolve();
      };
      this.once('close', () => {
        clearTimeout(timer);
        reject(new Error('QMP: qemu closed the connection before its greeting'));
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (!line) continue;
      let message: QmpMessage;
      try {
        message = JSON.parse(line) as QmpMessage;
      } catch {
        continue;
      }
      this.dispatch(message);
    }
  }

  private dispatch(message: QmpMessage): void {
    if ('QMP' in message) {
      const v = message.QMP.version.qemu;
      this.greetingWaiter?.(`${v.major}.${v.minor}.${v.micro}`);
      this.greetingWaiter = undefined;
      return;
    }
    if ('event' in message) {
      this.emit('event', message);
      return;
    }
    const id = message.id;
    const pending = id !== undefined ? this.pending.get(id) : undefined;
    if (!pending || id === undefined) return;
    this.pending.delete(id);
    if ('error' in message)
      pending.reject(new QmpError(pending.command, message.error.class, message.error.desc));
    else pending.resolve(message.return);
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.pending.values()) {
      // `quit` is answered by qemu going away; that is its success.
      if (p.command === 'quit') p.resolve({});
      else p.reject(new Error(`QMP ${p.command}: qemu closed the connection`));
    }
    this.pending.clear();
    this.emit('close');
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs a QMP command and returns its `return` value. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`QMP ${command}: not connected`));
    const id = `kiln-${this.nextId++}`;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(
        JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}), id }) + '\n',
      );
    });
  }

  /** Waits for an event by name (resolves with it), or rejects when the connection closes. */
  waitForEvent(name: string, signal?: AbortSignal): Promise<QmpEvent> {
    return new Promise((resolve, reject) => {
      const onEvent = (event: QmpEvent) => {
        if (event.event !== name) return;
        cleanup();
        resolve(event);
      };
      const onClose = () => {
        cleanup();
        reject(new Error(`QMP: connection closed while waiting for ${name}`));
      };
      const onAbort = () => {
        cleanup();
        reject(signal?.reason ?? new Error('aborted'));
      };
      const cleanup = () => {
        this.off('event', onEvent);
        this.off('close', onClose);
        signal?.removeEventListener('abort', onAbort);
      };
      this.on('event', onEvent);
      this.on('close', onClose);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.socket.destroy();
    this.onClose();
  }
}

/** QMP's KeyValue for input-send-event and send-key: a QKeyCode name. */
export function qcode(name: string): { type: 'qcode'; data: string } {
  return { type: 'qcode', data: name };
}

/** Presses (down) or releases (up) one key. */
export async function sendKeyEvent(qmp: QmpClient, key: string, down: boolean): Promise<void> {
  await qmp.execute('input-send-event', { events: [{ type: 'key', data: { down, key: qcode(key) } }] });
}

/** Presses keys together and releases them (QMP send-key): the UI's "Send key" menu, Ctrl+Alt+Del. */
export async function sendKeyCombo(qmp: QmpClient, keys: string[], holdMs = 100): Promise<void> {
  await qmp.execute('send-key', { keys: keys.map(qcode), 'hold-time': holdMs });
}

/** Writes a PNG of the VM's screen (qemu ≥ 7.1; PPM before). */
export async function screendump(qmp: QmpClient, file: string): Promise<void> {
  try {
    await qmp.execute('screendump', { filename: file, format: 'png' });
  } catch (err) {
    // qemu older than 7.1 knows no format argument and writes PPM.
    if (err instanceof QmpError && err.errorClass === 'GenericError' && /format/.test(err.message)) {
      await qmp.execute('screendump', { filename: file });
    } else throw err;
  }
}
