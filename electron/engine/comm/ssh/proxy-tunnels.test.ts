/**
 * ssh_proxy_* and ssh_local_tunnels/ssh_remote_tunnels against a real sshd and a real SOCKS5 proxy
 * (Debian's microsocks, with and without a password), through the build's StepConnect.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSteps } from '../../build/runner';
import { COMMUNICATOR, ERROR } from '../../build/step';
import type { Step } from '../../build/step';
import { StateBag } from '../../build/state';
import { BuildUi, EventChannel } from '../../build/ui';
import { runCommand } from '../communicator';
import type { CommunicatorConfig } from '../config';
import { StepConnect } from '../step-connect';
import { freePort, sshdAvailable, startSshd, type TestSshd } from '../../testing/sshd';

const MICROSOCKS = '/usr/bin/microsocks';
const available = sshdAvailable() && existsSync(MICROSOCKS);
if (!available)
  console.warn(
    'skipping the SSH proxy and tunnel tests: sshd or microsocks (apt-get install microsocks) is missing',
  );

async function startSocks(auth?: { user: string; password: string }) {
  const port = await freePort();
  const child: ChildProcess = spawn(
    MICROSOCKS,
    ['-i', '127.0.0.1', '-p', String(port), ...(auth ? ['-u', auth.user, '-P', auth.password] : [])],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 200; i++) {
    if (spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${port}`]).status === 0) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { port, stop: () => new Promise<void>((done) => (child.once('exit', () => done()), child.kill())) };
}

/** An HTTP server on loopback that names itself in every answer. */
async function startNamedHttp(name: string): Promise<{ port: number; server: Server }> {
  const server = createServer((_req, res) => res.end(`hello from ${name}`));
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

describe.skipIf(!available)('SSH through a SOCKS5 proxy, and tunnels', { timeout: 120_000 }, () => {
  let sshd: TestSshd;
  let open: Awaited<ReturnType<typeof startSocks>>;
  let locked: Awaited<ReturnType<typeof startSocks>>;
  beforeAll(async () => {
    sshd = await startSshd();
    open = await startSocks();
    locked = await startSocks({ user: 'kiln', password: 's3cret' });
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), open?.stop(), locked?.stop()]);
  });

  /** StepConnect, then `probe` with the connected communicator, then the steps' cleanup. */
  async function connectAndProbe(extra: Partial<CommunicatorConfig>, probe?: Step['run']) {
    const channel = new EventChannel();
    const lines: string[] = [];
    channel.subscribe((e) => {
      if (e.type === 'log') lines.push(`${e.level}: ${e.text}`);
    });
    const config: CommunicatorConfig = {
      ssh_host: '127.0.0.1',
      ssh_port: sshd.port,
      ssh_username: sshd.user,
      ssh_private_key_file: sshd.privateKeyFile,
      ssh_timeout: 8000,
      ...extra,
    };
    const state = new StateBag();
    const steps: Step[] = [new StepConnect(config, { host: () => '127.0.0.1' })];
    if (probe) steps.push({ name: 'probe', run: probe });
    await runSteps(
      steps,
      { signal: new AbortController().signal, state, ui: new BuildUi(channel, 'null') },
      { debug: false, onError: 'cleanup' },
    );
    return { state, lines };
  }

  const echo = async (state: StateBag, command: string) => {
    const out: Buffer[] = [];
    const status = await runCommand(state.require(COMMUNICATOR), { command, onStdout: (c) => out.push(c) });
    return { status, out: Buffer.concat(out).toString() };
  };

  it('connects through a proxy without a password, which resolves the host name itself', async () => {
    let seen = '';
    const { state } = await connectAndProbe(
      { ssh_host: 'localhost', ssh_proxy_host: '127.0.0.1', ssh_proxy_port: open.port },
      async ({ state }) => {
        seen = (await echo(state, 'echo through the proxy')).out;
        return 'continue';
      },
    );
    expect(state.get(ERROR)).toBeUndefined();
    expect(seen).toBe('through the proxy\n');
  });

  it('logs in to a proxy with ssh_proxy_username/password, and says so when they are wrong', async () => {
    let seen = '';
    const good = await connectAndProbe(
      {
        ssh_proxy_host: '127.0.0.1',
        ssh_proxy_port: locked.port,
        ssh_proxy_username: 'kiln',
        ssh_proxy_password: 's3cret',
      },
      async ({ state }) => {
        seen = (await echo(state, 'echo authenticated')).out;
        return 'continue';
      },
    );
    expect(good.state.get(ERROR)).toBeUndefined();
    expect(seen).toBe('authenticated\n');

    const wrong = await connectAndProbe({
      ssh_timeout: 1500,
      ssh_proxy_host: '127.0.0.1',
      ssh_proxy_port: locked.port,
      ssh_proxy_username: 'kiln',
      ssh_proxy_password: 'nope',
    });
    expect(wrong.state.get(ERROR)?.message).toBe(
      `socks connect tcp 127.0.0.1:${locked.port}->127.0.0.1:${sshd.port}: username/password authentication failed`,
    );
    expect(wrong.lines).toContain(
      `error: Error waiting for SSH: socks connect tcp 127.0.0.1:${locked.port}->127.0.0.1:${sshd.port}: username/password authentication failed`,
    );
    const none = await connectAndProbe({
      ssh_timeout: 1500,
      ssh_proxy_host: '127.0.0.1',
      ssh_proxy_port: locked.port,
    });
    expect(none.state.get(ERROR)?.message).toMatch(
      /: no acceptable authentication methods \(does the proxy need ssh_proxy_username and ssh_proxy_password\?\)$/,
    );
    // A proxy that is not there is retried like a machine still booting, until ssh_timeout.
    const down = await connectAndProbe({
      ssh_timeout: 1500,
      ssh_proxy_host: '127.0.0.1',
      ssh_proxy_port: await freePort(),
    });
    expect(down.state.get(ERROR)?.message).toBe('Timeout waiting for SSH.');
  });

  it('opens local and remote tunnels with the connection, and closes them with it', async () => {
    const inGuest = await startNamedHttp('the guest side');
    const onHost = await startNamedHttp('this machine');
    const localPort = await freePort();
    const remotePort = await freePort();
    let local = '';
    let remote = { status: -1, out: '' };
    const { state } = await connectAndProbe(
      {
        ssh_local_tunnels: [`${localPort}:127.0.0.1:${inGuest.port}`],
        ssh_remote_tunnels: [`${remotePort}:127.0.0.1:${onHost.port}`],
      },
      async ({ state }) => {
        // Local: this machine's port, dialled from the guest's end of the connection.
        local = await (await fetch(`http://127.0.0.1:${localPort}/`)).text();
        // Remote: the guest's port, carried back and dialled from here.
        remote = await echo(state, `curl -s http://127.0.0.1:${remotePort}/`);
        return 'continue';
      },
    );
    expect(state.get(ERROR)).toBeUndefined();
    expect(local).toBe('hello from the guest side');
    expect(remote).toEqual({ status: 0, out: 'hello from this machine' });
    // The connection is closed by the steps' cleanup: so is the local listener.
    await expect(fetch(`http://127.0.0.1:${localPort}/`)).rejects.toThrow();
    inGuest.server.close();
    onHost.server.close();
  });

  it('fails the connection when a tunnel cannot bind, naming it', async () => {
    const busy = await startNamedHttp('busy');
    const { state } = await connectAndProbe({
      ssh_timeout: 3000,
      ssh_local_tunnels: [`${busy.port}:127.0.0.1:22`],
    });
    expect(state.get(ERROR)?.message).toMatch(
      new RegExp(`Tunnel: Failed to bind local \\(${busy.port}:127\\.0\\.0\\.1:22\\): listen EADDRINUSE`),
    );
    busy.server.close();
  });
});
