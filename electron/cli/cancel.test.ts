/**
 * Ctrl-C at several points of a build: the run ends as Packer's does (`Cleanly cancelled builds after
 * being interrupted.`, exit 1), and nothing is left behind: no child process (checked in /proc), no
 * temp file, no open connection (this process's sockets, counted in /proc/self/fd).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BuildEvent } from '../engine/build/events';
import type { BuildSpec } from '../engine/testing/plans';
import { planBuild, substituteFields } from '../engine/testing/plans';
import { freePort, sshdAvailable, startSshd } from '../engine/testing/sshd';
import { runForTerminal } from './build-run';

const root = mkdtempSync(join(tmpdir(), 'kiln-cancel-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function openSockets(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

async function settle(check: () => boolean, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** Runs `spec` and presses Ctrl-C when `when` first sees an event (or text) it likes. */
async function cancelWhen(spec: BuildSpec, when: (text: string, event?: BuildEvent) => boolean, cwd: string) {
  const controller = new AbortController();
  let out = '';
  const code = await runForTerminal([planBuild(spec, { render: substituteFields, cwd })], {
    run: { debug: false, force: false, onError: 'cleanup', parallel: 1, cwd },
    printer: {
      color: false,
      timestamp: false,
      machineReadable: false,
      write: (t) => {
        out += t;
        if (!controller.signal.aborted && when(out))
          setTimeout(() => controller.abort(new Error('SIGINT')), 200);
      },
    },
    signal: controller.signal,
  });
  return { code, out };
}

const nullNone = { type: 'null', config: { communicator: 'none' } };

describe('cancelling a build leaves nothing behind', { timeout: 60_000 }, () => {
  it('while a local script runs: the script and what it started are killed, its temp script removed', async () => {
    const marker = '31.4159';
    const cwd = join(root, 'local');
    mkdirSync(cwd);
    const r = await cancelWhen(
      {
        name: 'null',
        builder: nullNone,
        provisioners: [{ type: 'shell-local', config: { inline: [`sleep ${marker} & sleep ${marker}`] } }],
      },
      (out) => out.includes('Running local shell script'),
      cwd,
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain('Cancelling build after receiving interrupt\n');
    expect(r.out).toContain('Cleanly cancelled builds after being interrupted.\n');
    const script = /Running local shell script: (\S+)/.exec(r.out)![1];
    expect(existsSync(script)).toBe(false);
    expect(await settle(() => processesWith(`sleep ${marker}`).length === 0)).toBe(true);
  });

  it('while compressing: the partial archive is removed', async () => {
    const cwd = join(root, 'compress');
    mkdirSync(cwd);
    writeFileSync(join(cwd, 'big.bin'), Buffer.alloc(96 * 1024 * 1024, 1));
    const r = await cancelWhen(
      {
        name: 'file',
        builder: { type: 'file', config: { source: 'big.bin', target: 'copy.bin' } },
        postProcessors: [[{ type: 'compress', config: { output: 'big.tar.gz', compression_level: 9 } }]],
      },
      (out) => out.includes('Tarring big.tar.gz'),
      cwd,
    );
    expect(r.code).toBe(1);
    expect(existsSync(join(cwd, 'big.tar.gz'))).toBe(false);
  });

  it('while waiting at a breakpoint', async () => {
    const cwd = join(root, 'breakpoint');
    mkdirSync(cwd);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('SIGINT')), 500);
    let out = '';
    // A terminal nobody types into: the answer source waits until the run is cancelled.
    const code = await runForTerminal(
      [
        planBuild(
          { name: 'null', builder: nullNone, provisioners: [{ type: 'breakpoint', config: {} }] },
          { render: substituteFields, cwd },
        ),
      ],
      {
        run: { debug: false, force: false, onError: 'cleanup', parallel: 1, cwd },
        printer: { color: false, timestamp: false, machineReadable: false, write: (t) => (out += t) },
        answers: {
          kind: 'terminal',
          next: (signal) =>
            new Promise((resolve) => signal.addEventListener('abort', () => resolve(undefined))),
          close: () => undefined,
        },
        signal: controller.signal,
      },
    );
    expect(code).toBe(1);
    expect(out).toContain('==> null: Press enter to continue. ');
    expect(out).toContain('Cleanly cancelled builds after being interrupted.\n');
  });

  it('while waiting for SSH: no connection stays open', async () => {
    const cwd = join(root, 'sshwait');
    mkdirSync(cwd);
    const port = await freePort();
    const before = openSockets();
    const r = await cancelWhen(
      {
        name: 'null',
        builder: {
          type: 'null',
          config: { ssh_host: '127.0.0.1', ssh_port: port, ssh_username: 'nobody', ssh_password: 'x' },
        },
        provisioners: [{ type: 'shell', config: { inline: ['true'] } }],
      },
      (out) => out.includes('Waiting for SSH to become available...'),
      cwd,
    );
    expect(r.code).toBe(1);
    expect(await settle(() => openSockets() <= before)).toBe(true);
  });

  it.skipIf(!sshdAvailable())(
    'while a remote command runs: the session and connection are closed',
    async () => {
      const sshd = await startSshd();
      const marker = '27.1828';
      try {
        const cwd = join(root, 'remote');
        mkdirSync(cwd);
        const before = openSockets();
        const r = await cancelWhen(
          {
            name: 'null',
            builder: {
              type: 'null',
              config: {
                ssh_host: '127.0.0.1',
                ssh_port: sshd.port,
                ssh_username: sshd.user,
                ssh_private_key_file: sshd.privateKeyFile,
              },
            },
            provisioners: [{ type: 'shell', config: { inline: [`sleep ${marker}`] } }],
          },
          (out) => out.includes('Provisioning with shell script'),
          cwd,
        );
        expect(r.code).toBe(1);
        const script = /Provisioning with shell script: (\S+)/.exec(r.out)![1];
        expect(existsSync(script)).toBe(false);
        expect(await settle(() => openSockets() <= before)).toBe(true);
        // The server ends the session's command once the connection is gone.
        expect(await settle(() => processesWith(`sleep ${marker}`).length === 0, 10_000)).toBe(true);
      } finally {
        await sshd.stop();
      }
    },
  );
});
