/**
 * SSH options beyond the basics, against a real sshd: a bastion (jump host), replaced cipher and
 * key-exchange lists, the read/write timeout on a connection that stops moving, and the commands that
 * clear the temporary key from authorized_keys.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../communicator';
import { clearKeyCommands } from '../step-cleanup-temp-keys';
import { sshdAvailable, startSshd, type TestSshd } from '../../testing/sshd';
import { connectSsh, type SshConnectOptions } from './client';

const available = sshdAvailable();
if (!available) console.warn('skipping SSH option tests: /usr/sbin/sshd (openssh-server) is not installed');

/** A TCP relay to `port` that counts connections and can stop passing bytes. */
async function relay(
  port: number,
): Promise<{ port: number; connections: () => number; freeze(): void; close(): Promise<void> }> {
  let count = 0;
  let frozen = false;
  const sockets: Socket[] = [];
  const server: Server = createServer((inbound) => {
    count++;
    const outbound = connect(port, '127.0.0.1');
    sockets.push(inbound, outbound);
    inbound.on('data', (d) => !frozen && outbound.write(d));
    outbound.on('data', (d) => !frozen && inbound.write(d));
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.on('close', () => outbound.destroy());
    outbound.on('close', () => inbound.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => count,
    freeze: () => void (frozen = true),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

describe.skipIf(!available)('SSH options against a real sshd', () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const base = (): SshConnectOptions => ({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    privateKeys: [sshd.privateKey],
    handshakeTimeoutMs: 10_000,
    keepAliveIntervalMs: 0,
    pty: false,
    fileTransfer: 'scp',
  });

  const echo = async (options: SshConnectOptions, text: string) => {
    const comm = await connectSsh(options);
    try {
      let out = '';
      const status = await runCommand(comm, {
        command: `echo ${text}`,
        onStdout: (c) => (out += c.toString()),
      });
      return { status, out };
    } finally {
      await comm.close();
    }
  };

  it('connects through a bastion: the machine is reached over a channel of the bastion connection', async () => {
    const jump = await relay(sshd.port);
    try {
      const r = await echo(
        {
          ...base(),
          bastion: {
            host: '127.0.0.1',
            port: jump.port,
            username: sshd.user,
            privateKeys: [sshd.privateKey],
          },
        },
        'via-bastion',
      );
      expect(r).toEqual({ status: 0, out: 'via-bastion\n' });
      // One TCP connection, to the bastion; the machine's sshd was reached through it.
      expect(jump.connections()).toBe(1);

      await expect(
        connectSsh({
          ...base(),
          bastion: { host: '127.0.0.1', port: jump.port, username: sshd.user, privateKeys: [] },
        }),
      ).rejects.toThrow(/^Error connecting to bastion: ssh: handshake failed: ssh: unable to authenticate/);
    } finally {
      await jump.close();
    }
  });

  it('offers only the ciphers and key exchanges given', async () => {
    expect(
      await echo({ ...base(), ciphers: ['aes256-ctr'], keyExchanges: ['curve25519-sha256'] }, 'ok'),
    ).toEqual({
      status: 0,
      out: 'ok\n',
    });
    // OpenSSH no longer accepts CBC ciphers: offering only one fails the handshake, so the list is used.
    await expect(connectSsh({ ...base(), ciphers: ['aes128-cbc'] })).rejects.toThrow(/handshake failed/);
    await expect(connectSsh({ ...base(), ciphers: ['no-such-cipher'] })).rejects.toThrow(
      /^ssh: handshake failed: .*no-such-cipher/,
    );
  });

  it('drops a connection that stops moving after ssh_read_write_timeout, instead of waiting forever', async () => {
    const link = await relay(sshd.port);
    try {
      const comm = await connectSsh({
        ...base(),
        port: link.port,
        readWriteTimeoutMs: 400,
        handshakeTimeoutMs: 1000,
      });
      link.freeze();
      const started = Date.now();
      const failure = await runCommand(comm, { command: 'echo never' }).then(
        () => 'finished',
        (e: Error) => e.message,
      );
      expect(failure).toMatch(/i\/o timeout/);
      expect(Date.now() - started).toBeLessThan(5000);
      await comm.close();
    } finally {
      await link.close();
    }
  });
});

describe('clearing the temporary key', () => {
  it("removes exactly the key's lines from the user's authorized_keys, as Packer's command does", () => {
    const home = mkdtempSync(join(tmpdir(), 'kiln-clear-keys-'));
    try {
      mkdirSync(join(home, '.ssh'));
      const ours = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIH/abc+def/ghi';
      writeFileSync(
        join(home, '.ssh/authorized_keys'),
        `ssh-rsa AAAAB3Nza/other user@host\n${ours}\n${ours} packer\nssh-ed25519 AAAAkeep me@there\n`,
      );
      const [[file, command]] = clearKeyCommands(`${ours}\n`);
      expect(file).toBe('~/.ssh/authorized_keys');
      execFileSync('sh', ['-c', command], { env: { HOME: home, PATH: process.env.PATH } });
      expect(readFileSync(join(home, '.ssh/authorized_keys'), 'utf8')).toBe(
        'ssh-rsa AAAAB3Nza/other user@host\nssh-ed25519 AAAAkeep me@there\n',
      );
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
