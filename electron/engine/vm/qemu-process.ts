/**
 * A running qemu-system: the process, Kiln's own QMP socket, and the VM's serial console as a live,
 * byte-exact stream (console events, a log file, typeable).
 *
 * The console is a unix-socket chardev that qemu waits on (`server=on,wait=on`) until Kiln has
 * connected, so not one byte of firmware output is lost. A pty (node-pty) cannot give the same bytes:
 * qemu's stdio backend turns on OPOST, so the pty line discipline rewrites every `\n` the guest
 * sends. When the template itself routes the serial port (`-serial stdio`, `-nographic`), Kiln reads
 * qemu's stdout instead; any other `-serial` leaves Kiln without a console and says why.
 *
 * Every VM is recorded in the VM registry while it runs, so a VM left by a crash is reaped later.
 */
import { spawn } from 'node:child_process';
import type { ChildProcessByStdio } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { identify } from './process-identity';
import { connectUnix, QmpClient } from './qmp';
import type { VmRegistry } from './registry';
import { removeQuietly, runtimePath } from './runtime';

export interface QemuExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface QemuStartOptions {
  binary: string;
  /** The command line (Packer's), without Kiln's plumbing: Kiln adds its QMP socket and console. */
  args: string[];
  cwd?: string;
  /** A name for messages and the registry (the build name). */
  label: string;
  /** Where the console's bytes are logged (appended, unmodified). */
  consoleLog?: string;
  /** The console's bytes as they come. */
  onConsole?: (data: Buffer) => void;
  /** qemu's own output (warnings, errors), line by line. */
  onOutput?: (line: string) => void;
  registry?: VmRegistry;
  signal?: AbortSignal;
  /** How long to wait for qemu to open its sockets. */
  startTimeoutMs?: number;
}

export type ConsoleRoute = { kind: 'socket' } | { kind: 'stdout' } | { kind: 'none'; reason: string };

/** Where the template routes the serial port, if anywhere. */
export function consoleRoute(args: readonly string[]): ConsoleRoute {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-nographic') {
      if (!args.includes('-serial')) return { kind: 'stdout' };
    }
    if (args[i] === '-serial') {
      const value = args[i + 1] ?? '';
      if (value === 'stdio' || value === 'mon:stdio') return { kind: 'stdout' };
      return { kind: 'none', reason: `qemuargs send the serial port to "${value}"` };
    }
  }
  return { kind: 'socket' };
}

/** Kiln's unix socket chardev for the console and its QMP monitor, appended to the command line. */
export function plumbingArgs(runDir: string, route: ConsoleRoute): string[] {
  const args = ['-qmp', `unix:${join(runDir, 'qmp.sock')},server=on,wait=off`];
  if (route.kind === 'socket') {
    args.push(
      '-chardev',
      `socket,id=kiln-console,path=${join(runDir, 'console.sock')},server=on,wait=on`,
      '-serial',
      'chardev:kiln-console',
    );
  }
  return args;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class QemuVm {
  readonly id: string;
  readonly runDir: string;
  readonly route: ConsoleRoute;
  /** Resolves when qemu has exited. */
  readonly exited: Promise<QemuExit>;
  private exit: QemuExit | undefined;
  private consoleSocket: Socket | undefined;
  private logFd: number | undefined;
  private outputTail: string[] = [];
  private disposed = false;
  qmp: QmpClient | undefined;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, Readable>,
    private readonly options: QemuStartOptions,
    id: string,
    runDir: string,
    route: ConsoleRoute,
  ) {
    this.id = id;
    this.runDir = runDir;
    this.route = route;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
      child.once('error', () => {
        this.exit = { code: null, signal: null };
        resolve(this.exit);
      });
    });
    if (options.consoleLog) {
      mkdirSync(join(options.consoleLog, '..'), { recursive: true });
      this.logFd = openSync(options.consoleLog, 'a', 0o644);
    }
    const lines = (chunk: Buffer, carry: { text: string }) => {
      carry.text += chunk.toString('utf8');
      let nl: number;
      while ((nl = carry.text.indexOf('\n')) >= 0) {
        const line = carry.text.slice(0, nl).replace(/\r$/, '');
        carry.text = carry.text.slice(nl + 1);
        this.outputTail.push(line);
        if (this.outputTail.length > 20) this.outputTail.shift();
        options.onOutput?.(line);
      }
    };
    // EPIPE when qemu exits while something is being typed: the exit is reported through `exited`.
    child.stdin.on('error', () => undefined);
    const errCarry = { text: '' };
    child.stderr.on('data', (chunk: Buffer) => lines(chunk, errCarry));
    if (route.kind === 'stdout') child.stdout.on('data', (chunk: Buffer) => this.onConsoleData(chunk));
    else {
      const outCarry = { text: '' };
      child.stdout.on('data', (chunk: Buffer) => lines(chunk, outCarry));
    }
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** qemu's last lines of output, for error messages. */
  get recentOutput(): string[] {
    return [...this.outputTail];
  }

  /** Starts qemu, connects the console and QMP; throws (after cleaning up) if qemu does not come up. */
  static async start(options: QemuStartOptions): Promise<QemuVm> {
    options.signal?.throwIfAborted();
    const id = randomUUID().slice(0, 8);
    const runDir = runtimePath('vm', id);
    const route = consoleRoute(options.args);
    const args = [...options.args, ...plumbingArgs(runDir, route)];
    const child = spawn(options.binary, args, {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    }) as ChildProcessByStdio<Writable, Readable, Readable>;
    const vm = new QemuVm(child, options, id, runDir, route);
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned) {
      vm.closeLog();
      removeQuietly(runDir);
      throw new Error(`cannot run ${options.binary}: not found or not executable`);
    }
    options.registry?.register({ id, label: options.label, qemu: identify(child.pid!), paths: [runDir] });
    try {
      await vm.connect(options);
    } catch (err) {
      await vm.dispose();
      throw err;
    }
    return vm;
  }

  private async connect(options: QemuStartOptions): Promise<void> {
    const timeoutMs = options.startTimeoutMs ?? 15_000;
    const abort = new AbortController();
    const onAbort = () => abort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    // qemu that exits early (bad arguments, missing file) ends the wait at once.
    void this.exited.then(() => abort.abort(new Error('qemu exited')));
    try {
      if (this.route.kind === 'socket') {
        const socket = await connectUnix(join(this.runDir, 'console.sock'), {
          timeoutMs,
          signal: abort.signal,
        });
        this.consoleSocket = socket;
        socket.on('data', (chunk: Buffer) => this.onConsoleData(chunk));
        socket.on('error', () => undefined);
      }
      this.qmp = await QmpClient.connect(join(this.runDir, 'qmp.sock'), { timeoutMs, signal: abort.signal });
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason;
      const exit = this.exit ?? (await Promise.race([this.exited, sleep(500).then(() => undefined)]));
      if (exit) {
        const output = this.outputTail.join('\n').trim();
        throw new Error(
          `Qemu failed to start (exit ${exit.code ?? exit.signal})${output ? `:\n${output}` : ''}`,
          { cause: err },
        );
      }
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  private onConsoleData(chunk: Buffer): void {
    if (this.logFd !== undefined) writeSync(this.logFd, chunk);
    this.options.onConsole?.(chunk);
  }

  /** Types into the serial console (bytes as given). */
  writeConsole(data: string | Uint8Array): void {
    // Typing into a VM that has gone (a key pressed as it powers off) is dropped, never an error.
    const sink =
      this.route.kind === 'socket'
        ? this.consoleSocket
        : this.route.kind === 'stdout'
          ? this.child.stdin
          : undefined;
    if (sink && sink.writable && !sink.destroyed) sink.write(data);
  }

  /** Waits for qemu to exit; undefined when the timeout (ms) or the signal ends the wait first. */
  async waitForExit(timeoutMs?: number, signal?: AbortSignal): Promise<QemuExit | undefined> {
    if (this.exit) return this.exit;
    return new Promise((resolve) => {
      const timer = timeoutMs !== undefined ? setTimeout(() => done(undefined), timeoutMs) : undefined;
      const onAbort = () => done(undefined);
      const done = (value: QemuExit | undefined) => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void this.exited.then(done);
    });
  }

  /** Presses the ACPI power button. */
  async powerdown(): Promise<void> {
    await this.qmp?.execute('system_powerdown');
  }

  /**
   * Stops qemu: QMP `quit` (qemu flushes its disk caches and exits), then SIGKILL if it has not
   * gone within the grace period.
   */
  async stop(graceMs = 3000): Promise<void> {
    if (this.exit) return;
    if (this.qmp && !this.qmp.isClosed) {
      await Promise.race([this.qmp.execute('quit').catch(() => undefined), sleep(graceMs)]);
      if (await this.waitForExit(graceMs)) return;
    }
    this.kill();
    await this.waitForExit(5000);
  }

  /** SIGKILL, as Packer's driver.Stop does. */
  kill(): void {
    if (this.exit) return;
    try {
      this.child.kill('SIGKILL');
    } catch {
      // Already gone.
    }
  }

  private closeLog(): void {
    if (this.logFd !== undefined) {
      closeSync(this.logFd);
      this.logFd = undefined;
    }
  }

  /** Stops qemu if needed, closes the sockets, removes the runtime folder and the registry record. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stop();
    this.qmp?.close();
    this.consoleSocket?.destroy();
    this.child.stdin.destroy();
    this.closeLog();
    removeQuietly(this.runDir);
    this.options.registry?.unregister(this.id);
  }
}
