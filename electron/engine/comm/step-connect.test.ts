import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSteps } from '../build/runner';
import { COMM_DATA, COMMUNICATOR, ERROR } from '../build/step';
import type { Step } from '../build/step';
import { StateBag } from '../build/state';
import { BuildUi, EventChannel } from '../build/ui';
import { runCommand } from './communicator';
import type { CommunicatorConfig } from './config';
import { SSH_KEY_PAIR, StepConnect, StepSshKeyGen } from './step-connect';
import type { TestSshd } from '../testing/sshd';
import { sshdAvailable, startSshd } from '../testing/sshd';

const available = sshdAvailable();

describe.skipIf(!available)('StepSSHKeyGen and StepConnect', { timeout: 120_000 }, () => {
  let sshd: TestSshd;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => sshd?.stop());

  async function run(steps: Step[], state = new StateBag()) {
    const channel = new EventChannel();
    const lines: string[] = [];
    channel.subscribe((e) => {
      if (e.type === 'log') lines.push(`${e.level}: ${e.text}`);
    });
    const ui = new BuildUi(channel, 'null');
    await runSteps(
      steps,
      { signal: new AbortController().signal, state, ui },
      { debug: false, onError: 'cleanup' },
    );
    return { state, lines, channel };
  }

  it('generates a temporary key, exposes it as generated data and connects with it', async () => {
    const config = {
      ssh_host: '127.0.0.1',
      ssh_port: sshd.port,
      ssh_username: sshd.user,
      temporary_key_pair_type: 'ed25519',
    };
    let seen: { pub?: string; data?: Record<string, string>; out?: string } = {};
    // Install the public key the way a cloud-init seed would, between key generation and connecting.
    const install: Step = {
      name: 'install',
      async run({ state }) {
        appendFileSync(join(sshd.dir, 'authorized_keys'), state.require(SSH_KEY_PAIR).publicKey);
        return 'continue';
      },
    };
    const probe: Step = {
      name: 'probe',
      async run({ state }) {
        const out: Buffer[] = [];
        await runCommand(state.require(COMMUNICATOR), { command: 'echo ok', onStdout: (c) => out.push(c) });
        seen = {
          pub: state.get(SSH_KEY_PAIR)?.publicKey,
          data: state.get(COMM_DATA),
          out: Buffer.concat(out).toString(),
        };
        return 'continue';
      },
    };
    const { state, lines, channel } = await run([
      new StepSshKeyGen(config),
      install,
      new StepConnect(config, { host: () => '127.0.0.1' }),
      probe,
    ]);
    expect(state.get(ERROR)).toBeUndefined();
    expect(lines).toEqual([
      'say: Creating temporary ED25519 SSH key for instance...',
      'say: Using ssh communicator to connect: 127.0.0.1',
      'say: Waiting for SSH to become available...',
      'say: Connected to SSH!',
    ]);
    expect(seen.out).toBe('ok\n');
    expect(seen.pub).toMatch(/^ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
    expect(seen.data?.SSHPublicKey).toBe(seen.pub);
    expect(seen.data?.SSHPrivateKey).toContain('PRIVATE KEY');
    // The private key never reaches an event unmasked.
    expect(channel.masker.mask(seen.data!.SSHPrivateKey)).not.toContain(
      seen.data!.SSHPrivateKey.split('\n')[1],
    );
  });

  it("fails with Packer's timeout message when nothing answers in ssh_timeout", async () => {
    const config = {
      ssh_host: '127.0.0.1',
      ssh_port: 1,
      ssh_username: 'x',
      ssh_password: 'y',
      ssh_timeout: 1500,
    };
    const started = Date.now();
    const { state, lines } = await run([new StepConnect(config, { host: () => '127.0.0.1' })]);
    expect(state.get(ERROR)?.message).toBe('Timeout waiting for SSH.');
    expect(lines).toContain('error: Timeout waiting for SSH.');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses, before connecting, SSH keys Kiln does not support (certificates)', async () => {
    const config = {
      ssh_host: '127.0.0.1',
      ssh_port: sshd.port,
      ssh_username: sshd.user,
      ssh_password: 'x',
      ssh_certificate_file: '/nonexistent/id-cert.pub',
      ssh_bastion_interactive: true,
    } as CommunicatorConfig;
    const { state, lines } = await run([new StepConnect(config, { host: () => '127.0.0.1' })]);
    expect(state.get(ERROR)?.message).toBe(
      'Kiln does not support SSH user certificates yet (ssh_certificate_file)\n' +
        'Kiln does not support keyboard-interactive authentication with a bastion yet (ssh_bastion_interactive)',
    );
    expect(lines.some((l) => l.startsWith('say: Waiting for SSH'))).toBe(false);
  });

  it('gives up after ssh_handshake_attempts authentication failures', async () => {
    const config = {
      ssh_host: '127.0.0.1',
      ssh_port: sshd.port,
      ssh_username: sshd.user,
      ssh_password: 'wrong',
      ssh_handshake_attempts: 2,
      ssh_timeout: 60_000,
    };
    const { state, lines } = await run([new StepConnect(config, { host: () => '127.0.0.1' })]);
    expect(state.get(ERROR)?.message).toMatch(
      /^Packer experienced an authentication error when trying to connect via SSH\. .* original error: ssh: handshake failed: ssh: unable to authenticate, attempted methods \[none\], no supported methods remain$/,
    );
    expect(lines.at(-1)).toMatch(/^error: Error waiting for SSH: Packer experienced an authentication error/);
  });
});
