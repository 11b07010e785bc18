/**
 * The SSH communicator (ssh2): one connection per build, reconnecting when a session cannot be opened
 * (the guest rebooted), commands sent as Packer sends them (`<cmd>\n`), scp or sftp transfers.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { basename, join, posix, relative } from 'node:path';
import type { Duplex, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Algorithms, AnyAuthMethod, AuthenticationType, Client, ClientChannel, SFTPWrapper } from 'ssh2';
import type {
  Communicator,
  RemoteCommand,
  StartedCommand,
  TransferProgress,
  UploadSource,
} from '../communicator';
import { CMD_DISCONNECT } from '../communicator';
import { ssh2 } from './ssh2-module';
import type { InteractiveShell, ShellOptions, ShellSession } from '../../build/live';
import { ChannelReader, scpReceiveFile, scpReceiveTree, scpSendFile, scpSendTree } from './scp';
import { socksConnect, type SocksProxy } from './socks5';
import { openTunnels, type TunnelSpec } from './tunnels';

export interface SshAuth {
  username: string;
  password?: string;
  /** PEM/OpenSSH private keys to offer, in order (the key file, then the temporary key). */
  privateKeys?: string[];
  /** An ssh-agent socket path (ssh_agent_auth). */
  agent?: string;
}

export interface SshConnectOptions extends SshAuth {
  host: string;
  port: number;
  /** Packer's default is one minute. */
  handshakeTimeoutMs: number;
  /** 0 disables keep-alives. */
  keepAliveIntervalMs: number;
  pty: boolean;
  fileTransfer: 'scp' | 'sftp';
  /** Timeout for opening the TCP connection. */
  dialTimeoutMs?: number;
  /** Replace the offered algorithm lists (ssh_ciphers, ssh_key_exchange_algorithms). */
  ciphers?: string[];
  keyExchanges?: string[];
  /** Drop the connection after this long with nothing read or written (0 or absent: never). */
  readWriteTimeoutMs?: number;
  /** Connect through this jump host (ssh_bastion_*); it wins over a proxy, as in Packer. */
  bastion?: SshAuth & { host: string; port: number };
  /** Connect through this SOCKS5 proxy (ssh_proxy_*). */
  proxy?: SocksProxy;
  /** Port forwards kept open with every connection (ssh_local_tunnels, ssh_remote_tunnels). */
  tunnels?: TunnelSpec[];
}

/** Raised when the server refused every credential; Packer counts these as handshake attempts. */
export class SshAuthError extends Error {}

/** Go's signal numbers for exit-signal, as x/crypto/ssh maps them (status = 128 + number). */
const SIGNALS: Record<string, number> = {
  ABRT: 6,
  ALRM: 14,
  FPE: 8,
  HUP: 1,
  ILL: 4,
  INT: 2,
  KILL: 9,
  PIPE: 13,
  QUIT: 3,
  SEGV: 11,
  TERM: 15,
  USR1: 10,
  USR2: 12,
};

/** Opens a TCP connection, rejecting with the OS error (ECONNREFUSED, ...). */
export function dial(host: string, port: number, timeoutMs = 15_000, signal?: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const timer = setTimeout(() => fail(new Error(`dial tcp ${host}:${port}: i/o timeout`)), timeoutMs);
    const onAbort = () => fail(new Error('SSH wait cancelled'));
    const fail = (err: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', fail);
    socket.once('connect', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', fail);
      // As Go's net.Dial (Packer): no Nagle. SSH sends small packets back to back (a request, then EOF),
      // and with Nagle each second one waits for the guest's delayed ACK, slow under TCG.
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

function authMethods(auth: SshAuth): AnyAuthMethod[] {
  const { username } = auth;
  const methods: AnyAuthMethod[] = [{ type: 'none', username }];
  if (auth.agent) methods.push({ type: 'agent', username, agent: auth.agent });
  for (const key of auth.privateKeys ?? []) methods.push({ type: 'publickey', username, key });
  if (auth.password !== undefined) {
    const password = auth.password;
    methods.push({ type: 'password', username, password });
    methods.push({
      type: 'keyboard-interactive',
      username,
      prompt: (_name, _instructions, _lang, prompts, finish) => finish(prompts.map(() => password)),
    });
  }
  return methods;
}

/**
 * The byte stream to the machine's sshd: a TCP connection, or a channel opened from a bastion (whose
 * own connection ends with it). A bastion that refuses the channel is retried like a refused port.
 */
export async function openTransport(
  options: SshConnectOptions,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Duplex> {
  const bastion = options.bastion;
  if (!bastion && options.proxy) {
    const proxy = options.proxy;
    const socket = await dial(proxy.host, proxy.port, timeoutMs, signal).catch((err: Error) => {
      throw new Error(`Can't connect to the proxy: ${err.message}`, { cause: err });
    });
    await socksConnect(socket, proxy, options.host, options.port);
    if (options.readWriteTimeoutMs) {
      socket.setTimeout(options.readWriteTimeoutMs, () =>
        socket.destroy(new Error(`read tcp ${options.host}:${options.port}: i/o timeout`)),
      );
    }
    return socket;
  }
  if (!bastion) {
    const socket = await dial(options.host, options.port, timeoutMs, signal);
    if (options.readWriteTimeoutMs) {
      socket.setTimeout(options.readWriteTimeoutMs, () =>
        socket.destroy(new Error(`read tcp ${options.host}:${options.port}: i/o timeout`)),
      );
    }
    return socket;
  }
  const { host, port, username, password, privateKeys, agent } = bastion;
  const jumpOptions: SshConnectOptions = {
    host,
    port,
    username,
    ...(password !== undefined ? { password } : {}),
    ...(privateKeys ? { privateKeys } : {}),
    ...(agent ? { agent } : {}),
    handshakeTimeoutMs: options.handshakeTimeoutMs,
    keepAliveIntervalMs: options.keepAliveIntervalMs,
    pty: false,
    fileTransfer: options.fileTransfer,
  };
  const jump = await handshake(await dial(host, port, timeoutMs, signal), jumpOptions).catch((err: Error) => {
    throw new Error(`Error connecting to bastion: ${err.message}`, { cause: err });
  });
  const onAbort = () => jump.end();
  signal?.addEventListener('abort', onAbort, { once: true });
  jump.once('close', () => signal?.removeEventListener('abort', onAbort));
  return new Promise<Duplex>((resolve, reject) => {
    jump.forwardOut('127.0.0.1', 0, options.host, options.port, (err, channel) => {
      if (err) {
        jump.end();
        return reject(
          new Error(`dial tcp ${options.host}:${options.port} through the bastion: ${err.message}`),
        );
      }
      channel.once('close', () => jump.end());
      resolve(channel);
    });
  });
}

/** Performs the SSH handshake over `socket`; the error texts follow Go's x/crypto/ssh. */
export function handshake(socket: Duplex, options: SshConnectOptions): Promise<Client> {
  return new Promise((resolve, reject) => {
    const client = new (ssh2().Client)();
    const methods = authMethods(options);
    const attempted: AuthenticationType[] = [];
    let settled = false;
    const finish = (err?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        client.removeAllListeners('ready');
        client.on('error', () => undefined);
        client.end();
        socket.destroy();
        reject(err);
      } else resolve(client);
    };
    const timer = setTimeout(
      () => finish(new Error('Timeout during SSH handshake')),
      options.handshakeTimeoutMs,
    );
    client.once('ready', () => finish());
    client.on('error', (err: Error & { level?: string }) => {
      if (err.level === 'client-authentication') {
        finish(
          new SshAuthError(
            `ssh: handshake failed: ssh: unable to authenticate, attempted methods [${attempted.join(' ')}], no supported methods remain`,
          ),
        );
      } else finish(new Error(`ssh: handshake failed: ${err.message}`));
    });
    client.on('close', () => finish(new Error('ssh: handshake failed: EOF')));
    const algorithms = {
      ...(options.ciphers?.length ? { cipher: options.ciphers } : {}),
      ...(options.keyExchanges?.length ? { kex: options.keyExchanges } : {}),
    };
    try {
      client.connect({
        sock: socket as Socket,
        ...(Object.keys(algorithms).length ? { algorithms: algorithms as Algorithms } : {}),
        username: options.username,
        // Host keys are not checked, as in Packer (InsecureIgnoreHostKey): the guest is new each build.
        hostVerifier: () => true,
        readyTimeout: options.handshakeTimeoutMs + 1000,
        keepaliveInterval: options.keepAliveIntervalMs,
        keepaliveCountMax: 3,
        authHandler: (authsLeft, _partial, next) => {
          // Offer our methods in order, skipping those the server does not accept.
          while (methods.length) {
            const m = methods.shift()!;
            if (authsLeft && authsLeft.length && !authsLeft.includes(m.type)) continue;
            if (!attempted.includes(m.type)) attempted.push(m.type);
            return next(m);
          }
          return (next as unknown as (v: false) => void)(false);
        },
      });
    } catch (err) {
      // ssh2 refuses an algorithm name it does not implement before any byte is sent.
      finish(new Error(`ssh: handshake failed: ${(err as Error).message}`));
    }
  });
}

export async function connectSsh(options: SshConnectOptions, signal?: AbortSignal): Promise<SshCommunicator> {
  const client = await handshake(
    await openTransport(options, options.dialTimeoutMs ?? 15_000, signal),
    options,
  );
  return SshCommunicator.open(options, client);
}

export class SshCommunicator implements Communicator, InteractiveShell {
  readonly type = 'ssh';
  private closed = false;
  private connectionLost = false;

  private constructor(
    private readonly options: SshConnectOptions,
    private client: Client,
  ) {
    this.watch(client);
  }

  /** The communicator of a connection just made, with its tunnels open (a tunnel that cannot bind fails it). */
  static async open(options: SshConnectOptions, client: Client): Promise<SshCommunicator> {
    try {
      await openTunnels(client, options.tunnels ?? []);
    } catch (err) {
      client.end();
      throw err;
    }
    return new SshCommunicator(options, client);
  }

  private watch(client: Client): void {
    client.on('close', () => {
      if (client === this.client) this.connectionLost = true;
    });
    client.on('error', () => {
      if (client === this.client) this.connectionLost = true;
    });
  }

  /** Packer's reconnect: a fresh TCP connection and handshake when the old one is gone. */
  private async reconnect(): Promise<void> {
    this.client.end();
    const client = await handshake(
      await openTransport(this.options, this.options.dialTimeoutMs ?? 15_000),
      this.options,
    );
    this.client = client;
    this.connectionLost = false;
    this.watch(client);
    await openTunnels(client, this.options.tunnels ?? []);
  }

  private async withClient<T>(open: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('client not available');
    if (this.connectionLost) await this.reconnect();
    try {
      return await open(this.client);
    } catch (err) {
      // Opening a session failed: the connection may be dead (a reboot); reconnect once and retry.
      await this.reconnect();
      void err;
      return open(this.client);
    }
  }

  private exec(command: string, pty: boolean): Promise<ClientChannel> {
    return this.withClient(
      (client) =>
        new Promise<ClientChannel>((resolve, reject) => {
          const ok = client.exec(
            command,
            pty
              ? {
                  pty: {
                    term: 'xterm',
                    rows: 40,
                    cols: 80,
                    modes: { ECHO: 0, TTY_OP_ISPEED: 14400, TTY_OP_OSPEED: 14400 },
                  },
                }
              : {},
            (err, channel) => (err ? reject(err) : resolve(channel)),
          );
          void ok;
        }),
    );
  }

  async start(cmd: RemoteCommand, signal?: AbortSignal): Promise<StartedCommand> {
    const channel = await this.exec(cmd.command + '\n', this.options.pty);
    let status: number | undefined;
    channel.on('exit', (code: number | null, signalName?: string) => {
      if (typeof code === 'number') status = code;
      else if (signalName) status = 128 + (SIGNALS[signalName.replace(/^SIG/, '')] ?? 0);
    });
    channel.on('data', (chunk: Buffer) => cmd.onStdout?.(chunk));
    channel.stderr.on('data', (chunk: Buffer) => cmd.onStderr?.(chunk));
    if (cmd.stdin) cmd.stdin.pipe(channel);
    else channel.end();
    const onAbort = () => {
      channel.signal('KILL');
      channel.close();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const exited = new Promise<number>((resolve) => {
      channel.on('close', () => {
        signal?.removeEventListener('abort', onAbort);
        // No exit status: the session ended under the command (Packer's CmdDisconnect).
        resolve(status ?? CMD_DISCONNECT);
      });
    });
    return { exited };
  }

  /** Packer's scpSession: runs an scp command, hands its stdin/stdout to `transfer`, checks the exit. */
  private async scpSession(
    command: string,
    transfer: (w: Writable, r: ChannelReader) => Promise<void>,
  ): Promise<void> {
    const channel = await this.exec(command, false);
    const reader = new ChannelReader(channel);
    let status: number | undefined;
    channel.on('exit', (code: number | null) => {
      if (typeof code === 'number') status = code;
    });
    channel.stderr.on('data', () => undefined);
    const closed = new Promise<void>((resolve) => channel.on('close', () => resolve()));
    try {
      await transfer(channel, reader);
    } catch (err) {
      if (!(err instanceof Error && err.message === 'EOF')) {
        channel.close();
        throw err;
      }
    }
    channel.end();
    await closed;
    if (status === 127) {
      throw new Error(
        'SCP failed to start. This usually means that SCP is not\nproperly installed on the remote system.',
      );
    }
    if (status !== undefined && status !== 0) throw new Error(`Process exited with status ${status}`);
  }

  private sftp<T>(use: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return this.withClient(
      (client) =>
        new Promise<SFTPWrapper>((resolve, reject) =>
          client.sftp((err, s) => (err ? reject(err) : resolve(s))),
        ),
    ).then(async (s) => {
      try {
        return await use(s);
      } finally {
        s.end();
      }
    });
  }

  async upload(remotePath: string, source: UploadSource, progress?: TransferProgress): Promise<void> {
    if (this.options.fileTransfer === 'sftp') {
      return this.sftp(async (s) => {
        await sftpPut(s, remotePath, source, progress);
        if (source.kind === 'file') await sftpCall((cb) => s.chmod(remotePath, source.mode & 0o777, cb));
      });
    }
    const dir = posix.dirname(remotePath).replace(/ /g, '\\ ');
    await this.scpSession(`scp -vt ${dir}`, (w, r) =>
      scpSendFile(posix.basename(remotePath), source, w, r, progress),
    );
  }

  async uploadDir(dst: string, src: string, exclude: string[] = []): Promise<void> {
    if (this.options.fileTransfer === 'sftp') {
      return this.sftp((s) => sftpPutTree(s, dst, src, exclude));
    }
    await this.scpSession(`scp -rvt ${dst}`, (w, r) => scpSendTree(src, w, r, exclude));
  }

  async download(remotePath: string, dest: Writable): Promise<void> {
    if (this.options.fileTransfer === 'sftp') {
      return this.sftp(async (s) => {
        await pipeline(s.createReadStream(remotePath), dest, { end: false });
      });
    }
    const path = remotePath.includes(' ') ? JSON.stringify(remotePath) : remotePath;
    await this.scpSession(`scp -vf ${path}`, (w, r) => scpReceiveFile(w, r, dest));
  }

  async downloadDir(src: string, dst: string): Promise<void> {
    await this.scpSession(`scp -vrf ${src}`, (w, r) => scpReceiveTree(w, r, dst));
  }

  /** A login shell on a pty over the build's own connection (the app's guest shell tab). */
  async openShell(options: ShellOptions): Promise<ShellSession> {
    const channel = await this.withClient(
      (client) =>
        new Promise<ClientChannel>((resolve, reject) => {
          client.shell(
            { term: options.term ?? 'xterm-256color', cols: options.cols, rows: options.rows },
            (err, ch) => (err ? reject(err) : resolve(ch)),
          );
        }),
    );
    return shellSession(channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // A connection already gone (the guest powered off) emits no second 'close': nothing to wait for.
    if (this.connectionLost) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, 2000);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.client.once('close', done);
      this.client.end();
    });
  }
}

function shellSession(channel: ClientChannel): ShellSession {
  const closeListeners: Array<(reason?: string) => void> = [];
  let closed = false;
  let reason: string | undefined;
  channel.on('exit', (code: number | null, signalName?: string) => {
    reason =
      typeof code === 'number' ? `the shell exited with status ${code}` : `the shell got ${signalName}`;
  });
  channel.on('close', () => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  });
  return {
    write: (data) => {
      if (!closed) channel.write(data);
    },
    resize: (cols, rows) => {
      if (!closed) channel.setWindow(rows, cols, 0, 0);
    },
    close: () => {
      if (!closed) channel.close();
    },
    onData: (listener) => {
      channel.on('data', (chunk: Buffer) => listener(chunk));
      channel.stderr.on('data', (chunk: Buffer) => listener(chunk));
    },
    onClose: (listener) => {
      if (closed) listener(reason);
      else closeListeners.push(listener);
    },
  };
}

function sftpCall(fn: (cb: (err?: Error | null) => void) => void): Promise<void> {
  return new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
}

async function sftpPut(
  s: SFTPWrapper,
  remotePath: string,
  source: UploadSource,
  progress?: TransferProgress,
): Promise<void> {
  const out = s.createWriteStream(remotePath);
  if (source.kind === 'buffer') {
    await new Promise<void>((resolve, reject) => {
      out.on('error', reject);
      out.on('close', () => resolve());
      out.end(source.data);
    });
    progress?.(source.data.length, source.data.length);
    return;
  }
  let sent = 0;
  const input = createReadStream(source.path, { highWaterMark: 256 * 1024 });
  input.on('data', (c) => {
    sent += c.length;
    progress?.(sent, source.size);
  });
  await pipeline(input, out);
}

/** Packer's sftpUploadDirSession: directories made with their modes, files with theirs. */
async function sftpPutTree(s: SFTPWrapper, dst: string, src: string, exclude: string[]): Promise<void> {
  const root = src.endsWith('/') ? dst : posix.join(dst, basename(src));
  const visit = async (localDir: string): Promise<void> => {
    for (const entry of readdirSync(localDir, { withFileTypes: true })) {
      if (exclude.includes(entry.name)) continue;
      const local = join(localDir, entry.name);
      const remote = posix.join(root, relative(src, local).split('\\').join('/'));
      const stats = statSync(local);
      if (stats.isDirectory()) {
        await sftpCall((cb) => s.mkdir(remote, cb)).catch(async (err) => {
          const exists = await new Promise<boolean>((r) =>
            s.lstat(remote, (e, st) => r(!e && st.isDirectory())),
          );
          if (!exists) throw err;
        });
        await sftpCall((cb) => s.chmod(remote, stats.mode & 0o777, cb));
        await visit(local);
      } else {
        await sftpPut(s, remote, { kind: 'file', path: local, mode: stats.mode, size: stats.size });
        await sftpCall((cb) => s.chmod(remote, stats.mode & 0o777, cb));
      }
    }
  };
  if (!src.endsWith('/')) {
    const stats = statSync(src);
    await sftpCall((cb) => s.mkdir(root, cb)).catch(() => undefined);
    await sftpCall((cb) => s.chmod(root, stats.mode & 0o777, cb));
  }
  await visit(src);
}

/** A local file's bytes and mode, for upload. */
export function fileSource(path: string): UploadSource {
  const stats = statSync(path);
  return { kind: 'file', path, mode: stats.mode, size: stats.size };
}
