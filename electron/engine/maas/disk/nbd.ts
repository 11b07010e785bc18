/**
 * A disk read through `qemu-nbd` over a private UNIX socket, with a small NBD client of Kiln's own
 * (fixed-newstyle handshake, simple replies). No FUSE, no kernel nbd module, no root: this is the
 * fallback for image formats Kiln does not parse itself (vmdk, vhdx, vdi, encrypted qcow2, ...), and the
 * comparison point for the native qcow2 reader (docs/maas-artifacts.md).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DeviceError, checkRange, type BlockDevice, type DeviceExtent } from './device';

const NBDMAGIC = Buffer.from('NBDMAGIC');
const IHAVEOPT = Buffer.from('IHAVEOPT');
const FLAG_FIXED_NEWSTYLE = 1;
const FLAG_NO_ZEROES = 2;
const OPT_EXPORT_NAME = 1;
const REQUEST_MAGIC = 0x25609513;
const SIMPLE_REPLY_MAGIC = 0x67446698;
const CMD_READ = 0;
const CMD_DISC = 2;
/** qemu-nbd accepts requests up to 32 MiB; smaller ones keep memory flat. */
const MAX_REQUEST = 8 * 1024 * 1024;

interface Pending {
  length: number;
  resolve(data: Buffer): void;
  reject(err: Error): void;
}

/** Buffers socket bytes and hands out exact byte counts in order. */
class ByteQueue {
  private chunks: Buffer[] = [];
  private available = 0;
  push(chunk: Buffer) {
    this.chunks.push(chunk);
    this.available += chunk.length;
  }
  get length() {
    return this.available;
  }
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const head = this.chunks[0];
      const use = Math.min(head.length, n - filled);
      head.copy(out, filled, 0, use);
      filled += use;
      if (use === head.length) this.chunks.shift();
      else this.chunks[0] = head.subarray(use);
    }
    this.available -= n;
    return out;
  }
}

export class NbdDevice implements BlockDevice {
  size = 0;
  private readonly queue = new ByteQueue();
  private readonly pending = new Map<bigint, Pending>();
  private nextHandle = 1n;
  private waiter: (() => void) | undefined;
  private failure: Error | undefined;
  private current: { handle: bigint; error: number } | undefined;
  private onClose: (() => Promise<void>) | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly description: string,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.queue.push(chunk);
      if (this.waiter) this.waiter();
      else this.parseReplies();
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
      this.waiter?.();
    };
    socket.on('error', (err) => fail(new DeviceError(`${description}: ${err.message}`)));
    socket.on('close', () => fail(new DeviceError(`${description}: the NBD server closed the connection`)));
  }

  /** Connects to an NBD server on a UNIX socket and opens its default export. */
  static async connect(socketPath: string, description: string): Promise<NbdDevice> {
    const socket = net.createConnection(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const device = new NbdDevice(socket, description);
    try {
      await device.handshake();
    } catch (err) {
      socket.destroy();
      throw err;
    }
    return device;
  }

  /**
   * Starts `qemu-nbd --read-only` on `imagePath` with a socket in a private temp directory, connects,
   * and owns the process: closing the device (or aborting `signal`) stops it and removes the directory.
   */
  static async viaQemuNbd(
    imagePath: string,
    format: string | undefined,
    signal?: AbortSignal,
  ): Promise<NbdDevice> {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-nbd-'));
    const socketPath = path.join(dir, 'sock');
    const args = ['--read-only', `--socket=${socketPath}`, '--shared=1'];
    if (format) args.push(`--format=${format}`);
    args.push(imagePath);
    let child: ChildProcess | undefined;
    let stderr = '';
    const cleanup = async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child?.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      child = spawn('qemu-nbd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const spawned = child;
      await new Promise<void>((resolve, reject) => {
        const started = Date.now();
        spawned.once('error', (err) =>
          reject(new DeviceError(`cannot run qemu-nbd (install qemu-utils): ${err.message}`)),
        );
        spawned.once('exit', (code) =>
          reject(new DeviceError(`qemu-nbd exited (${code}) before serving ${imagePath}: ${stderr.trim()}`)),
        );
        const poll = () => {
          if (signal?.aborted) return reject(signal.reason as Error);
          if (existsSync(socketPath)) return resolve();
          if (Date.now() - started > 15000)
            return reject(new DeviceError(`qemu-nbd did not start serving ${imagePath} within 15 s`));
          setTimeout(poll, 20);
        };
        poll();
      });
      const device = await NbdDevice.connect(socketPath, `${imagePath} (through qemu-nbd)`);
      device.onClose = cleanup;
      signal?.addEventListener('abort', () => void device.close(), { once: true });
      return device;
    } catch (err) {
      await cleanup();
      throw err;
    }
  }

  private async need(n: number): Promise<Buffer> {
    while (this.queue.length < n) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
    return this.queue.take(n);
  }

  private async handshake(): Promise<void> {
    const hello = await this.need(18);
    if (!hello.subarray(0, 8).equals(NBDMAGIC) || !hello.subarray(8, 16).equals(IHAVEOPT)) {
      throw new DeviceError(`${this.description}: not a fixed-newstyle NBD server`);
    }
    const serverFlags = hello.readUInt16BE(16);
    const noZeroes = Boolean(serverFlags & FLAG_NO_ZEROES);
    const clientFlags = Buffer.alloc(4);
    clientFlags.writeUInt32BE((serverFlags & FLAG_FIXED_NEWSTYLE) | (noZeroes ? FLAG_NO_ZEROES : 0));
    const option = Buffer.alloc(16);
    IHAVEOPT.copy(option, 0);
    option.writeUInt32BE(OPT_EXPORT_NAME, 8);
    option.writeUInt32BE(0, 12); // the default export, ""
    this.socket.write(Buffer.concat([clientFlags, option]));
    const info = await this.need(noZeroes ? 10 : 134);
    this.size = Number(info.readBigUInt64BE(0));
    this.parseReplies();
  }

  private parseReplies(): void {
    for (;;) {
      if (!this.current) {
        if (this.queue.length < 16) return;
        const head = this.queue.take(16);
        if (head.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) {
          this.socket.destroy(new Error('bad NBD reply magic'));
          return;
        }
        this.current = { handle: head.readBigUInt64BE(8), error: head.readUInt32BE(4) };
      }
      const { handle, error } = this.current;
      const pending = this.pending.get(handle);
      if (!pending) {
        this.socket.destroy(new Error(`NBD reply for an unknown request ${handle}`));
        return;
      }
      if (error) {
        this.current = undefined;
        this.pending.delete(handle);
        pending.reject(new DeviceError(`${this.description}: read failed with NBD error ${error}`));
        continue;
      }
      if (this.queue.length < pending.length) return;
      this.current = undefined;
      this.pending.delete(handle);
      pending.resolve(this.queue.take(pending.length));
    }
  }

  private request(type: number, offset: number, length: number): Buffer {
    const req = Buffer.alloc(28);
    req.writeUInt32BE(REQUEST_MAGIC, 0);
    req.writeUInt16BE(0, 4);
    req.writeUInt16BE(type, 6);
    req.writeBigUInt64BE(this.nextHandle, 8);
    req.writeBigUInt64BE(BigInt(offset), 16);
    req.writeUInt32BE(length, 24);
    return req;
  }

  async read(buffer: Buffer, position: number, length = buffer.length, bufferOffset = 0): Promise<void> {
    checkRange(this, position, length);
    if (this.failure) throw this.failure;
    const parts: Promise<void>[] = [];
    for (let done = 0; done < length; done += MAX_REQUEST) {
      const n = Math.min(MAX_REQUEST, length - done);
      const handle = this.nextHandle;
      const req = this.request(CMD_READ, position + done, n);
      this.nextHandle++;
      const at = bufferOffset + done;
      parts.push(
        new Promise<Buffer>((resolve, reject) =>
          this.pending.set(handle, { length: n, resolve, reject }),
        ).then((data) => void data.copy(buffer, at)),
      );
      this.socket.write(req);
    }
    await Promise.all(parts);
  }

  async extents(position: number, length: number): Promise<DeviceExtent[]> {
    checkRange(this, position, length);
    return length ? [{ offset: position, length, kind: 'data' }] : [];
  }

  async close(): Promise<void> {
    if (!this.socket.destroyed) {
      this.socket.end(this.request(CMD_DISC, 0, 0));
      this.socket.destroySoon();
    }
    const onClose = this.onClose;
    this.onClose = undefined;
    await onClose?.();
  }
}
