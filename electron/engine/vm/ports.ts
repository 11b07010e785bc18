/**
 * Finding a free host port in a range, as packer-plugin-sdk's net.ListenRangeConfig does: a random
 * port in [min, max) (max itself only when min == max), locked for this process so parallel builds
 * (and other Kiln processes) do not take the same one, then bound once to prove it is free. The
 * listener is closed at once (qemu or the HTTP server binds it next); the lock stays until release().
 *
 * Unlike Packer, which retries forever, Kiln tries every port of the range once, in random order,
 * and then says that none is free.
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo, Server } from 'node:net';
import { join } from 'node:path';
import { identify, isAlive } from './process-identity';
import { runtimePath } from './runtime';

export interface PortLease {
  port: number;
  /** Frees the port's lock (idempotent). */
  release(): void;
}

export interface FindPortOptions<S extends Server = Server> {
  host: string;
  min: number;
  max: number;
  signal?: AbortSignal;
  /** Keep the listener open and hand it over instead of closing it (the HTTP server uses it). */
  keepListening?: boolean;
  /** The server to listen with (an http.Server for the HTTP step); a plain net server by default. */
  createServer?: () => S;
}

export interface ListeningLease<S extends Server = Server> extends PortLease {
  server: S;
}

function lockPath(port: number): string {
  return join(runtimePath('ports'), String(port));
}

/** Takes the lock file of a port; a lock whose owner died is taken over. */
function tryLock(port: number): boolean {
  const path = lockPath(port);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      const me = identify(process.pid);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        const owner = JSON.parse(readFileSync(path, 'utf8')) as { pid: number; startTicks?: number };
        if (isAlive(owner)) return false;
      } catch {
        // Unreadable or half-written lock: its owner is writing it now, or died while doing so.
        return false;
      }
      rmSync(path, { force: true });
    }
  }
  return false;
}

function listen<S extends Server>(host: string, port: number, factory: () => S): Promise<S | undefined> {
  return new Promise((resolve) => {
    const server = factory();
    server.once('error', () => resolve(undefined));
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function shuffledRange(min: number, max: number): number[] {
  const ports: number[] = [];
  if (max <= min) ports.push(min);
  else for (let p = min; p < max; p++) ports.push(p);
  for (let i = ports.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [ports[i], ports[j]] = [ports[j], ports[i]];
  }
  return ports;
}

export async function findPort<S extends Server = Server>(
  options: FindPortOptions<S> & { keepListening: true },
): Promise<ListeningLease<S>>;
export async function findPort(options: FindPortOptions): Promise<PortLease>;
export async function findPort<S extends Server>(
  options: FindPortOptions<S>,
): Promise<PortLease | ListeningLease<S>> {
  for (const port of shuffledRange(options.min, options.max)) {
    options.signal?.throwIfAborted();
    if (!tryLock(port)) continue;
    const factory = options.createServer ?? (() => createServer() as unknown as S);
    const server = await listen(options.host, port, factory);
    if (!server) {
      rmSync(lockPath(port), { force: true });
      continue;
    }
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      rmSync(lockPath(port), { force: true });
    };
    if (options.keepListening) return { port: (server.address() as AddressInfo).port, server, release };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return { port, release };
  }
  const range = options.max <= options.min ? `${options.min}` : `${options.min} and ${options.max - 1}`;
  throw new Error(`No free port between ${range} on ${options.host || '0.0.0.0'}`);
}
