/**
 * Test support: a real OpenSSH server (Debian's /usr/sbin/sshd) started by the test on 127.0.0.1 and a
 * free port, with its own sshd_config, host key and user key in a temp dir. It never touches the
 * system's sshd service. Every command the server runs is logged (ForceCommand wrapper), so tests can
 * compare the exact commands with Packer's. Key auth as the current user (root in CI) needs no system
 * change; password auth uses a throwaway user, created only when running as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

export const SSHD = '/usr/sbin/sshd';
const SFTP_SERVER = '/usr/lib/openssh/sftp-server';

export function sshdAvailable(): boolean {
  return existsSync(SSHD) && existsSync('/usr/bin/ssh-keygen') && existsSync('/usr/bin/scp');
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export interface TestSshd {
  port: number;
  dir: string;
  user: string;
  /** Private key (OpenSSH format) accepted for `user`. */
  privateKeyFile: string;
  privateKey: string;
  /** A user with a password, when the test runs as root (else undefined). */
  passwordUser?: { name: string; password: string };
  /** The commands the server ran, in order (SSH_ORIGINAL_COMMAND as received). */
  commands(): string[];
  stop(): Promise<void>;
  /** Stops the server process only (its sessions keep running until their connections close). */
  kill(): Promise<void>;
  /** Starts sshd again on the same port (after `kill`), to test reconnects. */
  restart(): Promise<void>;
}

export async function startSshd(
  options: {
    port?: number;
    withPasswordUser?: boolean;
    /** Reuse this user key pair. */ userKeyFile?: string;
  } = {},
): Promise<TestSshd> {
  const dir = mkdtempSync(join(tmpdir(), 'kiln-sshd-'));
  chmodSync(dir, 0o755);
  const user = userInfo().username;
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
  if (options.userKeyFile) {
    writeFileSync(join(dir, 'user_key'), readFileSync(options.userKeyFile), { mode: 0o600 });
    writeFileSync(join(dir, 'user_key.pub'), readFileSync(`${options.userKeyFile}.pub`));
  } else {
    execFileSync('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      'kiln-test',
      '-f',
      join(dir, 'user_key'),
    ]);
  }
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(join(dir, 'user_key.pub')), { mode: 0o644 });
  const log = join(dir, 'commands.log');
  writeFileSync(log, '', { mode: 0o666 });
  // Logs the command, then runs it as sshd would have (with the user's shell), or the sftp server.
  const wrapper = join(dir, 'log-command.sh');
  writeFileSync(
    wrapper,
    [
      '#!/bin/sh',
      // No command: an interactive login shell (the app's guest shell tab); not logged as a command.
      `if [ -z "$SSH_ORIGINAL_COMMAND" ]; then exec ${existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh'} -l; fi`,
      `printf '%s\\0' "$SSH_ORIGINAL_COMMAND" >> ${log}`,
      `if [ "$SSH_ORIGINAL_COMMAND" = "internal-sftp" ] || [ "$SSH_ORIGINAL_COMMAND" = "${SFTP_SERVER}" ]; then exec ${SFTP_SERVER}; fi`,
      // As the user's login shell would (bash, which execs the last command of the list).
      `exec ${existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh'} -c "$SSH_ORIGINAL_COMMAND"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );

  let passwordUser: TestSshd['passwordUser'];
  if (options.withPasswordUser && process.getuid?.() === 0) {
    const name = `kilnt${process.pid % 100000}`;
    const password = `pw-${Math.random().toString(36).slice(2, 10)}`;
    try {
      execFileSync('useradd', ['-M', '-d', '/tmp', '-s', '/bin/sh', name], { stdio: 'ignore' });
    } catch {
      // already there from an earlier, interrupted run
    }
    execFileSync('chpasswd', { input: `${name}:${password}\n` });
    passwordUser = { name, password };
  }

  // sshd running as root insists on its privilege separation directory (Debian's service makes it).
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { mode: 0o755 });
  const port = options.port ?? (await freePort());
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PermitRootLogin yes',
      `PasswordAuthentication ${passwordUser ? 'yes' : 'no'}`,
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'LogLevel ERROR',
      `ForceCommand ${wrapper}`,
      `Subsystem sftp ${SFTP_SERVER}`,
      'PrintMotd no',
      '',
    ].join('\n'),
  );

  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const deadline = Date.now() + 10_000;
    while (!(await portOpen(port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`sshd did not start: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stopChild = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  try {
    await start();
  } catch (err) {
    await stopChild();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    port,
    dir,
    user,
    privateKeyFile: join(dir, 'user_key'),
    privateKey: readFileSync(join(dir, 'user_key'), 'utf8'),
    ...(passwordUser ? { passwordUser } : {}),
    commands: () =>
      readFileSync(log, 'utf8')
        .split('\0')
        .filter((c) => c !== ''),
    restart: start,
    kill: stopChild,
    async stop() {
      await stopChild();
      if (passwordUser) {
        try {
          execFileSync('userdel', [passwordUser.name], { stdio: 'ignore' });
        } catch {
          // best effort
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
