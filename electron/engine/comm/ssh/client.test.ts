import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  chmodSync,
  createWriteStream,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CMD_DISCONNECT, runCommand } from '../communicator';
import { startSshd, sshdAvailable, freePort } from '../../testing/sshd';
import type { TestSshd } from '../../testing/sshd';
import type { SshCommunicator } from './client';
import { connectSsh, fileSource } from './client';
import { waitForSsh } from './wait';

const available = sshdAvailable();
if (!available) console.warn('skipping SSH tests: /usr/sbin/sshd (openssh-server) is not installed');

describe.skipIf(!available)('SSH communicator against a real sshd', () => {
  let sshd: TestSshd;
  let comm: SshCommunicator;
  const local = mkdtempSync(join(tmpdir(), 'kiln-local-'));
  const remote = mkdtempSync(join(tmpdir(), 'kiln-remote-'));

  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await comm?.close();
    await sshd?.stop();
    rmSync(local, { recursive: true, force: true });
    rmSync(remote, { recursive: true, force: true });
  });

  const options = (fileTransfer: 'scp' | 'sftp' = 'scp') => ({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    privateKeys: [sshd.privateKey],
    handshakeTimeoutMs: 10_000,
    keepAliveIntervalMs: 5000,
    pty: false,
    fileTransfer,
  });

  const run = async (command: string) => {
    let out = '';
    let err = '';
    const status = await runCommand(comm, {
      command,
      onStdout: (c) => (out += c.toString()),
      onStderr: (c) => (err += c.toString()),
    });
    return { status, out, err };
  };

  it('runs commands, as `<cmd>\\n`, with exit status and both streams', async () => {
    comm = await connectSsh(options());
    expect(await run('echo out; echo err >&2; exit 3')).toEqual({ status: 3, out: 'out\n', err: 'err\n' });
    expect(sshd.commands().at(-1)).toBe('echo out; echo err >&2; exit 3\n');
  });

  it('reports a session that ends without exit status as 2300218', async () => {
    const r = await run('kill -9 $PPID');
    expect(r.status).toBe(CMD_DISCONNECT);
    // The connection is still usable (or is re-established) afterwards.
    expect((await run('echo again')).out).toBe('again\n');
  });

  it('uploads bytes with scp sink mode as C0644 and files with their mode', async () => {
    await comm.upload(join(remote, 'script.sh'), { kind: 'buffer', data: Buffer.from('echo hi\n') });
    expect(sshd.commands().at(-1)).toBe(`scp -vt ${remote}`);
    expect(readFileSync(join(remote, 'script.sh'), 'utf8')).toBe('echo hi\n');
    expect(statSync(join(remote, 'script.sh')).mode & 0o777).toBe(0o644);
    const src = join(local, 'exec.sh');
    writeFileSync(src, '#!/bin/sh\n');
    chmodSync(src, 0o750);
    await comm.upload(join(remote, 'exec.sh'), fileSource(src));
    expect(statSync(join(remote, 'exec.sh')).mode & 0o777).toBe(0o750);
  });

  it('uploads directories with and without a trailing slash', async () => {
    const tree = join(local, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'a.txt'), 'A');
    writeFileSync(join(tree, 'sub', 'b.txt'), 'B');
    mkdirSync(join(remote, 'd1'));
    mkdirSync(join(remote, 'd2'));
    await comm.uploadDir(join(remote, 'd1'), tree);
    await comm.uploadDir(join(remote, 'd2'), tree + '/');
    expect(readFileSync(join(remote, 'd1', 'tree', 'sub', 'b.txt'), 'utf8')).toBe('B');
    expect(readFileSync(join(remote, 'd2', 'a.txt'), 'utf8')).toBe('A');
    expect(sshd.commands().at(-1)).toBe(`scp -rvt ${join(remote, 'd2')}`);
  });

  it('downloads files and directories with scp', async () => {
    const dest = join(local, 'down.txt');
    const out = createWriteStream(dest);
    await comm.download(join(remote, 'd2', 'a.txt'), out);
    await new Promise<void>((r) => out.end(() => r()));
    expect(readFileSync(dest, 'utf8')).toBe('A');
    const dirDest = join(local, 'downdir');
    mkdirSync(dirDest);
    await comm.downloadDir(join(remote, 'd1', 'tree'), dirDest);
    expect(readFileSync(join(dirDest, 'tree', 'sub', 'b.txt'), 'utf8')).toBe('B');
  });

  it('transfers with sftp', async () => {
    const s = await connectSsh(options('sftp'));
    try {
      const data = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
      await s.upload(join(remote, 'big.bin'), { kind: 'buffer', data });
      expect(readFileSync(join(remote, 'big.bin')).equals(data)).toBe(true);
      const tree = join(local, 'tree');
      mkdirSync(join(remote, 'd3'));
      await s.uploadDir(join(remote, 'd3'), tree);
      expect(readFileSync(join(remote, 'd3', 'tree', 'sub', 'b.txt'), 'utf8')).toBe('B');
    } finally {
      await s.close();
    }
  });

  it('names the methods tried when authentication fails, like Go', async () => {
    await expect(connectSsh({ ...options(), privateKeys: [], password: 'wrong' })).rejects.toThrow(
      'ssh: handshake failed: ssh: unable to authenticate, attempted methods [none], no supported methods remain',
    );
  });

  it('authenticates with a password, and says which methods failed with a wrong one', async () => {
    const withUser = await startSshd({ withPasswordUser: true });
    try {
      if (!withUser.passwordUser) return; // not root: no throwaway user
      const { name, password } = withUser.passwordUser;
      const base = { ...options(), port: withUser.port, username: name, privateKeys: [] };
      const ok = await connectSsh({ ...base, password });
      const out: Buffer[] = [];
      expect(await runCommand(ok, { command: 'id -un', onStdout: (c) => out.push(c) })).toBe(0);
      expect(Buffer.concat(out).toString()).toBe(`${name}\n`);
      await ok.close();
      await expect(connectSsh({ ...base, password: 'wrong' })).rejects.toThrow(
        /^ssh: handshake failed: ssh: unable to authenticate, attempted methods \[none password\]/,
      );
    } finally {
      await withUser.stop();
    }
  });

  it('connects within half a second of sshd starting to listen, without hammering it', async () => {
    const port = await freePort();
    const attempts: number[] = [];
    const controller = new AbortController();
    const started = Date.now();
    const waiting = waitForSsh(
      { ...options(), port, handshakeAttempts: 10, onAttempt: () => attempts.push(Date.now() - started) },
      controller.signal,
    );
    await new Promise((r) => setTimeout(r, 2500));
    const late = await startSshd({ port, userKeyFile: sshd.privateKeyFile });
    const listening = Date.now() - started;
    try {
      const c = await waiting;
      const connected = Date.now() - started;
      await c.close();
      // Backoff tops out at 500 ms: connected at most ~0.5 s (plus the handshake) after sshd listens.
      expect(connected - listening).toBeLessThan(1000);
      // No more than two tries a second once the backoff has grown (50, 100, 200, 400, 500, 500...).
      expect(attempts.length).toBeLessThan(12);
      console.log(
        `ssh wait: listening at ${listening} ms, connected at ${connected} ms, ${attempts.length} tries`,
      );
    } finally {
      await late.stop();
    }
  });

  it('reaches a guest behind qemu user networking soon after sshd listens, without flooding it', async () => {
    // A model of slirp's hostfwd: every connection is accepted at once; its SYN reaches the guest
    // then and about 3 and 9 s later (scaled down here), even after the host side was closed. Before
    // the guest's network is up nothing answers; then the guest resets it until sshd listens.
    const started = Date.now();
    const NETWORK_UP_MS = 4000;
    const SSHD_UP_MS = 6000;
    const RETRANSMIT_MS = [0, 3000, 9000];
    const pending = new Set<Socket>();
    let reachedSshd = 0;
    let wasted = 0;
    const forwarder = createServer((socket) => {
      const accepted = Date.now() - started;
      let closed = false;
      pending.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        closed = true;
        pending.delete(socket);
      });
      socket.resume(); // to notice the client closing it; no byte is sent before the guest answers
      const land = (index: number) => {
        const now = Date.now() - started;
        if (now < NETWORK_UP_MS) {
          const next = RETRANSMIT_MS[index + 1];
          if (next !== undefined) timers.push(setTimeout(() => land(index + 1), accepted + next - now));
          return;
        }
        if (now < SSHD_UP_MS) return socket.destroy(); // the guest's RST
        reachedSshd++;
        if (closed) {
          wasted++; // sshd forks for a connection nobody wants any more
          return;
        }
        socket.pause();
        socket.removeAllListeners('data');
        const upstream = connect({ host: '127.0.0.1', port: sshd.port });
        socket.pipe(upstream).pipe(socket);
        socket.resume();
        upstream.on('error', () => socket.destroy());
      };
      land(0);
    });
    const timers: NodeJS.Timeout[] = [];
    await new Promise<void>((r) => forwarder.listen(0, '127.0.0.1', () => r()));
    const port = (forwarder.address() as AddressInfo).port;
    let attempts = 0;
    try {
      const c = await waitForSsh(
        { ...options(), port, handshakeAttempts: 10, onAttempt: () => attempts++ },
        new AbortController().signal,
      );
      const connected = Date.now() - started;
      await c.close();
      expect(connected - SSHD_UP_MS).toBeLessThan(1000);
      // Let every retransmission land: at most one connection besides the winner reaches sshd.
      await new Promise((r) => setTimeout(r, 9000 + 1500 - (Date.now() - started)));
      expect(wasted).toBeLessThanOrEqual(1);
      expect(pending.size).toBe(0);
      console.log(
        `ssh wait (slirp model): sshd up at ${SSHD_UP_MS} ms, connected at ${connected} ms, ${attempts} tries, ${reachedSshd} reached sshd`,
      );
    } finally {
      for (const t of timers) clearTimeout(t);
      for (const s of pending) s.destroy();
      await new Promise((r) => forwarder.close(() => r(undefined)));
    }
  }, 20_000);
});
